"""seqgsn corpus file: many LabeledRecords in one versioned, checksummed binary file.

No pickle anywhere: loading never executes code from the file. Conventional
suffix: ``.sgc`` (detection uses the magic bytes, not the name).

Layout (all integers little-endian)::

    offset 0   MAGIC            16 bytes  b"\\x89SEQGSN-CORPUS\\r\\n"
    16         version          uint32    (FORMAT_VERSION; newer versions are refused)
    20         header_len       uint64
    28         header           header_len bytes of UTF-8 JSON (below)
    P          payload          the arrays, each starting at a multiple of 8 from P
    end - 32   sha256           digest of every byte before it

``P = 28 + header_len`` rounded up to a multiple of 8. The JSON header holds::

    {"version": 1, "n_records": N, "n_residues": R,
     "arrays": {name: {"dtype": "<u1", "shape": [...], "offset": o, "nbytes": b}, ...},
     "records": {"id": [...], "source": [...], "line": [...], "meta": [...]}}

Arrays (``offset`` is relative to P; L_i = record lengths, R = sum L_i):

* ``length``   int64 [N]
* ``seq``      uint8 [R]  ASCII residues, records back to back
* ``ss8``      uint8 [R]  ASCII ``HGIEBTSC`` (``?`` where a record has none); ``has_ss8`` bool [N]
* ``ss3``      uint8 [R]  ASCII ``HEC`` (``?`` where none); ``has_ss3`` bool [N]
* ``mask``     bool  [R]  (True where no mask); ``has_mask`` bool [N]
* ``profile_width`` int32 [N] (0 = no profile); ``profile`` float32 [sum L_i * width_i]

Any truncation, bit flip (checksum mismatch), bad magic or inconsistent header
is an :class:`InvalidFileError`. ``meta`` must be JSON-serialisable.
"""
from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InvalidFileError
from ..records import LabeledRecord
from .atomic import atomic_write

MAGIC = b"\x89SEQGSN-CORPUS\r\n"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<16sIQ")
_DIGEST = 32
_NONE = ord("?")


def _pad8(n: int) -> int:
    return (n + 7) // 8 * 8


def save_corpus(records, path) -> None:
    """Write ``records`` (iterable of LabeledRecord) to ``path`` atomically."""
    records = list(records)
    lengths = np.array([len(r.seq) for r in records], dtype=np.int64)
    total = int(lengths.sum())
    seq = np.frombuffer("".join(r.seq for r in records).encode("ascii"), np.uint8)
    arrays = {"length": lengths, "seq": seq}
    for name in ("ss8", "ss3"):
        has = np.array([getattr(r, name) is not None for r in records], dtype=bool)
        text = "".join(getattr(r, name) if getattr(r, name) is not None else "?" * len(r.seq)
                       for r in records)
        arrays[name] = np.frombuffer(text.encode("ascii"), np.uint8)
        arrays[f"has_{name}"] = has
        if arrays[name].shape[0] != total:
            raise InvalidFileError(f"{name} length differs from sequence length in some record",
                                   file=path)
    arrays["has_mask"] = np.array([r.mask is not None for r in records], dtype=bool)
    arrays["mask"] = (np.concatenate([r.eval_mask() for r in records]) if records
                      else np.zeros(0, bool))
    widths = np.array([0 if r.profile is None else np.shape(r.profile)[1] for r in records],
                      dtype=np.int32)
    arrays["profile_width"] = widths
    profs = [np.asarray(r.profile, np.float32).ravel() for r in records if r.profile is not None]
    arrays["profile"] = np.concatenate(profs) if profs else np.zeros(0, np.float32)

    table, offset = {}, 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        arrays[name] = a
        table[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset,
                       "nbytes": int(a.nbytes)}
        offset = _pad8(offset + a.nbytes)
    try:
        header = json.dumps({
            "version": FORMAT_VERSION, "writer": f"seqgsn {__version__}",
            "n_records": len(records), "n_residues": total, "arrays": table,
            "records": {"id": [r.id for r in records],
                        "source": [r.source for r in records],
                        "line": [r.line for r in records],
                        "meta": [r.meta for r in records]},
        }, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise InvalidFileError(f"record metadata is not JSON-serialisable: {e}",
                               file=path) from None

    h = hashlib.sha256()
    with atomic_write(path, "wb") as fh:
        def put(b: bytes) -> None:
            h.update(b)
            fh.write(b)
        start = _PREFIX.size + len(header)
        put(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header
            + b"\0" * (_pad8(start) - start))
        written = 0
        for name, a in arrays.items():
            put(b"\0" * (table[name]["offset"] - written))
            put(a.tobytes())
            written = table[name]["offset"] + a.nbytes
        put(b"\0" * (offset - written))
        fh.write(h.digest())


def is_store(path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def load_corpus(path) -> list:
    """Read a file written by :func:`save_corpus` (checks magic, version, size, sha256)."""
    path = Path(path)
    buf = path.read_bytes()
    if buf[:len(MAGIC)] != MAGIC:
        raise InvalidFileError("not a seqgsn corpus file (bad magic bytes)", file=path)
    if len(buf) < _PREFIX.size + _DIGEST:
        raise InvalidFileError(f"truncated corpus file ({len(buf)} bytes)", file=path)
    _, version, hlen = _PREFIX.unpack_from(buf)
    if version > FORMAT_VERSION:
        raise InvalidFileError(f"corpus file version {version} is newer than this seqgsn "
                               f"(reads up to {FORMAT_VERSION}); upgrade seqgsn", file=path)
    if len(buf) < _PREFIX.size + hlen + _DIGEST:
        raise InvalidFileError(f"truncated corpus file ({len(buf)} bytes, header alone says "
                               f"{_PREFIX.size + hlen + _DIGEST}+)", file=path)
    if hashlib.sha256(memoryview(buf)[:-_DIGEST]).digest() != buf[-_DIGEST:]:
        raise InvalidFileError("checksum mismatch: the corpus file is truncated or corrupted",
                               file=path)
    try:
        header = json.loads(buf[_PREFIX.size:_PREFIX.size + hlen].decode("utf-8"))
        base = _pad8(_PREFIX.size + hlen)
        arrays = {}
        for name, t in header["arrays"].items():
            lo = base + t["offset"]
            if lo + t["nbytes"] > len(buf) - _DIGEST:
                raise ValueError(f"array {name} runs past the end of the file")
            arrays[name] = np.frombuffer(buf, dtype=np.dtype(t["dtype"]),
                                         count=int(np.prod(t["shape"])), offset=lo
                                         ).reshape(t["shape"])
        return _unpack(header, arrays, path)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise InvalidFileError(f"inconsistent corpus file header: {e}", file=path) from None


def _unpack(header: dict, a: dict, path: Path) -> list:
    recs = header["records"]
    n = header["n_records"]
    lengths = a["length"]
    if len(lengths) != n or len(recs["id"]) != n:
        raise ValueError("record count differs between header and arrays")
    ends = np.cumsum(lengths)
    starts = ends - lengths
    seq = a["seq"].tobytes()
    ss8, ss3 = a["ss8"].tobytes(), a["ss3"].tobytes()
    has8, has3, hasm = a["has_ss8"].tolist(), a["has_ss3"].tolist(), a["has_mask"].tolist()
    mask = a["mask"].copy()             # writable, one block for all records
    widths = a["profile_width"].tolist()
    prof = a["profile"].copy()
    pstarts = np.concatenate([[0], np.cumsum(lengths * a["profile_width"])]).tolist()
    out = []
    for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        w = widths[i]
        p = prof[pstarts[i]:pstarts[i + 1]].reshape(e - s, w) if w else None
        out.append(LabeledRecord(
            recs["id"][i], seq[s:e].decode("ascii"),
            ss8=ss8[s:e].decode("ascii") if has8[i] else None,
            ss3=ss3[s:e].decode("ascii") if has3[i] else None,
            mask=mask[s:e] if hasm[i] else None, profile=p,
            source=recs["source"][i], line=recs["line"][i], meta=recs["meta"][i] or {}))
    return out
