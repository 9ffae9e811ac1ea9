"""HDF5 feature/label files (``casp10.h5`` / ``casp11.h5`` from DCBLSTM_PSP).

Datasets:

* ``features`` (N, 700, 43): columns 0-20 one-hot residue (ICML order), 21-41 a
  21-column sigmoid-scaled profile (stored order ``ACDEFGHIKLMNPQRSTVWXY``),
  42 NoSeq padding flag;
* ``labels`` (N, 700, 9): one-hot ``L B E G I H S T NoSeq`` (L = coil).

A chain's length is its number of residue rows (= rows with a state label in
L..T; the NoSeq label bit is ignored). Decoding: :mod:`.onehot`. The profile
becomes ``LabeledRecord.profile`` float32 [L, 21] in ``PROFILE_COLUMNS`` order.
"""
from __future__ import annotations

from ...errors import InvalidFileError
from ._common import as_bool
from .onehot import decode_onehot


def read_hdf5(path, profile: bool = True) -> list:
    try:
        import h5py
    except ImportError:
        raise InvalidFileError("reading .h5 corpora needs h5py (pip install 'seqgsn[hdf5]')",
                               file=path) from None
    try:
        with h5py.File(path, "r") as f:
            for name in ("features", "labels"):
                if name not in f:
                    raise InvalidFileError(f"HDF5 file lacks dataset {name!r} "
                                           f"(has: {', '.join(f)})", file=path)
            feats, labels = f["features"][()], f["labels"][()]
    except (OSError, KeyError, RuntimeError, ValueError, TypeError) as e:   # h5py's damage errors
        raise InvalidFileError(f"unreadable HDF5 file: {e}", file=path) from None
    if feats.ndim != 3 or feats.shape[2] != 43 or labels.shape[:2] != feats.shape[:2] \
            or labels.shape[2] != 9:
        raise InvalidFileError(f"expected features (N, T, 43) and labels (N, T, 9), got "
                               f"{feats.shape} and {labels.shape}", file=path)
    return decode_onehot(feats[..., :21], labels[..., :8],
                         feats[..., 21:42] if as_bool(profile, "profile") else None, path)
