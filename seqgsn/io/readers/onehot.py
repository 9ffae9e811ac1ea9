"""Shared decoding of padded one-hot arrays (ICML-2014 layout, also used by the CASP .h5 files).

Per chain (row block of a padded [N, 700, C] array):

* residues: one-hot in ICML order ``A C E D G F I H K M L N Q P S R T W V Y X``;
  residue rows (any one-hot bit set) must form a prefix; their count is L;
* labels: one-hot in ICML order ``L B E G I H S T`` (``L`` = coil -> ``C``); a
  residue row without a state bit is kept with label ``C`` and ``mask=False``;
* profile (optional): 21 columns stored in order ``A C D E F G H I K L M N P Q R S
  T V W X Y``, reordered to seqgsn's profile order (``profiles.PROFILE_COLUMNS``:
  the 20 standard residues alphabetically, then ``X``).

Ids are ``row<k>`` (1-based chain index); ``meta = {"row": k}``.
"""
from __future__ import annotations

import numpy as np

from ...errors import InvalidFileError
from ..profiles import PROFILE_COLUMNS
from ._common import make_record

ICML_AA = "ACEDGFIHKMLNQPSRTWVYX"
ICML_SS8 = "LBEGIHST"
STORED_PROFILE_ORDER = "ACDEFGHIKLMNPQRSTVWXY"
_PROFILE_PERM = np.array([STORED_PROFILE_ORDER.index(c) for c in PROFILE_COLUMNS])
_AA = np.frombuffer(ICML_AA.encode(), np.uint8)
_SS8 = np.frombuffer("CBEGIHST".encode(), np.uint8)   # L -> C


def decode_onehot(aa: np.ndarray, ss: np.ndarray, profile, path) -> list:
    """aa [N, T, 21], ss [N, T, 8], profile [N, T, 21] (stored order) or None -> records."""
    out = []
    for k in range(aa.shape[0]):
        rid = f"row{k + 1}"
        a = np.asarray(aa[k])
        present = a.sum(-1) > 0
        n = int(present.sum())
        if n == 0:
            raise InvalidFileError("chain has no residues", file=path, record=rid)
        if not present[:n].all():
            gap = int(np.flatnonzero(~present[:n])[0]) + 1
            raise InvalidFileError("padding row inside the chain (residue rows are not a prefix)",
                                   file=path, record=rid, position=gap)
        a = a[:n]
        if not (np.count_nonzero(a, -1) == 1).all():
            bad = int(np.flatnonzero(np.count_nonzero(a, -1) != 1)[0]) + 1
            raise InvalidFileError("residue row is not one-hot", file=path, record=rid,
                                   position=bad)
        seq = _AA[a.argmax(-1)].tobytes().decode()
        s = np.asarray(ss[k][:n])
        labelled = s.sum(-1) > 0
        ss8 = _SS8[s.argmax(-1)].tobytes().decode()
        mask = None
        if not labelled.all():
            mask = labelled
            ss8 = "".join(c if m else "C" for c, m in zip(ss8, labelled.tolist()))
        prof = None
        if profile is not None:
            prof = np.asarray(profile[k][:n], dtype=np.float32)[:, _PROFILE_PERM]
        out.append(make_record(rid, seq, ss8, mask=mask, profile=prof, file=path,
                               meta={"row": k + 1}))
    return out
