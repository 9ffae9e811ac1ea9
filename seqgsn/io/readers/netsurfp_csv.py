"""NetSurfP-2.0 / ProtTrans CSV (e.g. ``CB513_HHblits.csv``)::

    input, dssp3, dssp8, disorder, cb513_mask
    R T D C ...,C C C ...,C C C T T ...,1.0 1.0 ...,1.0 1.0 ...

Header names are comma-separated with optional spaces; every field is a
space-separated per-residue token list. Columns used: ``input`` (residues),
``dssp8`` (8-state, required), ``disorder`` (1.0 = resolved), optional
``cb513_mask`` (1.0 = residue in the original CB513 chain region).
``dssp3`` is not read: 3-state is derived from ``dssp8`` (H,G,I->H; E,B->E).

mask = (disorder == 1) AND (cb513_mask == 1) when cb513_mask exists, else
(disorder == 1): on CB513_HHblits.csv this evaluates 83,427 residues.
No ids in the file: record ``k`` (1-based data row) gets id ``row<k>``.
"""
from __future__ import annotations

import numpy as np

from ...errors import InvalidFileError, LabelMismatchError
from ._common import make_record, read_text_lines

REQUIRED = ("input", "dssp8", "disorder")


def parse_header(line: str) -> list[str]:
    return [c.strip().lower() for c in line.split(",")]


def looks_netsurfp_csv(first_line: str) -> bool:
    cols = parse_header(first_line)
    return all(c in cols for c in REQUIRED)


def _floats(tokens: list[str], what: str, path, rid, line) -> np.ndarray:
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        bad = next(t for t in tokens if not _is_float(t))
        raise InvalidFileError(f"column {what!r}: {bad!r} is not a number", file=path,
                               record=rid, line=line) from None


def _column(field: str, what: str, n: int, path, rid, line) -> np.ndarray:
    vals = _floats(field.split(), what, path, rid, line)
    if vals.shape[0] != n:
        raise LabelMismatchError(f"column {what!r} has {vals.shape[0]} tokens, input has {n}",
                                 file=path, record=rid, line=line)
    return vals


def _is_float(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def read_netsurfp_csv(path) -> list:
    lines = read_text_lines(path)
    if not lines:
        raise InvalidFileError("empty file", file=path)
    cols = parse_header(lines[0])
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InvalidFileError(f"CSV header lacks column(s) {', '.join(missing)} "
                               f"(found {', '.join(cols)})", file=path, line=1)
    ix = {c: cols.index(c) for c in cols}
    out = []
    row = 0
    for ln, text in enumerate(lines[1:], 2):
        if not text.strip():
            continue
        row += 1
        rid = f"row{row}"
        fields = text.split(",")
        if len(fields) != len(cols):
            raise InvalidFileError(f"{len(fields)} fields, header has {len(cols)}",
                                   file=path, record=rid, line=ln)
        seq_t = fields[ix["input"]].split()
        ss8_t = fields[ix["dssp8"]].split()
        n = len(seq_t)
        if any(len(t) != 1 for t in seq_t) or any(len(t) != 1 for t in ss8_t):
            raise InvalidFileError("residue and label tokens must be single letters",
                                   file=path, record=rid, line=ln)
        mask = _column(fields[ix["disorder"]], "disorder", n, path, rid, ln) == 1.0
        if "cb513_mask" in ix:
            mask = mask & (_column(fields[ix["cb513_mask"]], "cb513_mask", n, path, rid, ln) == 1.0)
        out.append(make_record(rid, "".join(seq_t), "".join(ss8_t), mask=mask, file=path,
                               line=ln, meta={"row": row}))
    return out
