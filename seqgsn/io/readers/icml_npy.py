"""ICML-2014 (Zhou & Troyanskaya) CullPDB / CB513 arrays: ``.npy`` or ``.npy.gz``.

Shape (N, 700 * 57) or (N, 700, 57); per residue row, 57 columns:

* [0, 22)  one-hot residue ``A C E D G F I H K M L N Q P S R T W V Y X`` + NoSeq
* [22, 31) one-hot label ``L B E G I H S T`` + NoSeq (L = coil)
* [31, 33) N- / C-terminal flags (ignored)
* [33, 35) solvent accessibility (a target, not an input: ignored)
* [35, 57) profile ``A C D E F G H I K L M N P Q R S T V W X Y`` + NoSeq

Loaded with ``allow_pickle=False``. Decoding (lengths, ids ``row<k>``, profile
reorder to ``PROFILE_COLUMNS``): :mod:`.onehot`.
"""
from __future__ import annotations

import gzip
import tokenize
import zlib

import numpy as np

from ...errors import InvalidFileError
from ._common import as_bool
from .onehot import decode_onehot

WIDTH = 57
MAX_LEN = 700


def load_array(path) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rb") as fh:
            return np.lib.format.read_array(fh, allow_pickle=False)
    # numpy parses the header with tokenize/ast: damaged headers raise these too
    except (ValueError, OSError, EOFError, zlib.error, SyntaxError, tokenize.TokenError,
            MemoryError) as e:
        raise InvalidFileError(f"unreadable .npy array: {e}", file=path) from None


def read_icml_npy(path, profile: bool = True) -> list:
    a = load_array(path)
    if a.ndim == 2 and a.shape[1] % WIDTH == 0:
        a = a.reshape(a.shape[0], -1, WIDTH)
    if a.ndim != 3 or a.shape[2] != WIDTH:
        raise InvalidFileError(f"expected shape (N, {MAX_LEN}*{WIDTH}) or (N, {MAX_LEN}, {WIDTH}),"
                               f" got {a.shape}", file=path)
    prof = a[..., 35:56] if as_bool(profile, "profile") else None
    return decode_onehot(a[..., :21], a[..., 22:30], prof, path)
