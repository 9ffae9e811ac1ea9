"""The only symbol <-> index maps in seqgsn.

Residues (input x)
------------------
* The 20 standard amino acids ``ACDEFGHIKLMNPQRSTVWY`` are tokens 0..19.
* Lowercase is read as uppercase (soft-masked FASTA is common; case carries no
  structural meaning for us).
* ``B Z J U O X`` are *non-standard or ambiguous*: all map to the unknown token
  ``X`` (20). We never guess a standard residue for them (B is D-or-N, Z is
  E-or-Q, J is I-or-L, U selenocysteine, O pyrrolysine); the model sees
  "unknown here". The original letter is kept in the record's sequence, so the
  output repeats the sequence exactly as given (upper-cased).
* Token 21 is ``MASK``: used only by the hybrid criterion's corruption of x.
* Anything else is an :class:`AlphabetError` naming the position.

Labels (y)
----------
* DSSP 8 states in the order ``H G I E B T S C`` (tokens 0..7). This order is
  also the column order of every ``prob8`` we write.
* 3 states ``H E C`` by the usual reduction H,G,I->H; E,B->E; T,S,C->C.
* :func:`normalize_ss8` accepts the coil spellings found in public corpora
  (``L``, ``-``, space, ``.``) only when the caller says so; it is never silent.
"""
from __future__ import annotations

import numpy as np

from .errors import AlphabetError

AA_STANDARD = "ACDEFGHIKLMNPQRSTVWY"
AA_NONSTANDARD = "BZJUOX"
UNK = 20
MASK = 21
N_AA_TOKENS = 22          # 20 standard + unknown + mask
N_AA_INPUT = 21           # one-hot width seen by the model (mask shares no channel)

SS8 = "HGIEBTSC"
SS3 = "HEC"
SS8_TO_SS3 = "HHHEECCC"   # SS8[i] -> SS8_TO_SS3[i]
SS8_TO_SS3_INDEX = np.array([SS3.index(c) for c in SS8_TO_SS3], dtype=np.int64)
COIL_ALIASES = "L- ."

_AA_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(AA_STANDARD):
    _AA_LUT[ord(_c)] = _i
    _AA_LUT[ord(_c.lower())] = _i
for _c in AA_NONSTANDARD:
    _AA_LUT[ord(_c)] = UNK
    _AA_LUT[ord(_c.lower())] = UNK

_SS8_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(SS8):
    _SS8_LUT[ord(_c)] = _i
_SS3_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(SS3):
    _SS3_LUT[ord(_c)] = _i

ALPHABET_SPEC = {"aa": AA_STANDARD, "aa_unknown": AA_NONSTANDARD, "ss8": SS8, "ss3": SS3,
                 "ss8_to_ss3": SS8_TO_SS3}


def _lookup(lut: np.ndarray, s: str, what: str, **where) -> np.ndarray:
    try:
        raw = np.frombuffer(s.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError:
        pos = next(i for i, ch in enumerate(s) if ord(ch) > 127)
        raise AlphabetError(f"non-ASCII {what} symbol {s[pos]!r}", position=pos + 1, **where) from None
    idx = lut[raw]
    bad = np.flatnonzero(idx < 0)
    if bad.size:
        p = int(bad[0])
        raise AlphabetError(f"invalid {what} symbol {s[p]!r}", position=p + 1, **where)
    return idx


def encode_sequence(seq: str, **where) -> np.ndarray:
    """Residue string -> int64 tokens [L]. Positions in errors are 1-based."""
    return _lookup(_AA_LUT, seq, "residue", **where)


def is_residue(ch: str) -> bool:
    return len(ch) == 1 and ord(ch) < 256 and _AA_LUT[ord(ch)] >= 0


def normalize_ss8(labels: str, coil_aliases: str = "") -> str:
    """Map corpus-specific coil spellings to ``C`` (only those the caller names)."""
    for a in coil_aliases:
        labels = labels.replace(a, "C")
    return labels


def encode_ss8(labels: str, **where) -> np.ndarray:
    return _lookup(_SS8_LUT, labels, "8-state label", **where)


def encode_ss3(labels: str, **where) -> np.ndarray:
    return _lookup(_SS3_LUT, labels, "3-state label", **where)


def decode_ss8(idx) -> str:
    return "".join(SS8[i] for i in np.asarray(idx).tolist())


def decode_ss3(idx) -> str:
    return "".join(SS3[i] for i in np.asarray(idx).tolist())


def ss8_to_ss3(labels: str) -> str:
    return "".join(SS8_TO_SS3[SS8.index(c)] for c in labels)


def prob8_to_prob3(prob8: np.ndarray) -> np.ndarray:
    """[..., 8] -> [..., 3]: sum over H+G+I, E+B, T+S+C."""
    out = np.zeros(prob8.shape[:-1] + (3,), dtype=prob8.dtype)
    for i, j in enumerate(SS8_TO_SS3_INDEX):
        out[..., j] += prob8[..., i]
    return out
