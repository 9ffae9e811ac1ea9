"""Tianchi 2020 pair of line-aligned text files (``data_seq_train.txt`` / ``data_sec_train.txt``).

Line *i* of the seq file is a residue string; line *i* of the sec file is the
equally long DSSP 8-state string in which **coil is a space** (so lines are
never stripped: only the ``\\n`` / ``\\r\\n`` terminator is removed). Id:
``row<i>`` (1-based line number). The pair is found from either file or from
their folder: the sec file's name is the seq file's with ``seq`` -> ``sec``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ...errors import InvalidFileError, LabelMismatchError
from ._common import make_record, read_text_lines

COIL = " "


def _partner(p: Path, a: str, b: str) -> Optional[Path]:
    name = p.name
    k = name.rfind(a)
    if k < 0:
        return None
    q = p.with_name(name[:k] + b + name[k + len(a):])
    return q if q.is_file() and q != p else None


def find_pair(path) -> Optional[tuple[Path, Path]]:
    """(seq file, sec file) for a folder holding one such pair or for either file; else None."""
    p = Path(path)
    if p.is_dir():
        pairs = [(f, _partner(f, "seq", "sec")) for f in sorted(p.glob("*seq*.txt"))]
        pairs = [(a, b) for a, b in pairs if b is not None]
        return pairs[0] if len(pairs) == 1 else None
    if not p.is_file() or p.suffix != ".txt":
        return None
    q = _partner(p, "seq", "sec")
    if q is not None:
        return p, q
    q = _partner(p, "sec", "seq")
    return (q, p) if q is not None else None


def read_tianchi(path) -> list:
    pair = find_pair(path)
    if pair is None:
        raise InvalidFileError("expected a folder holding a *seq*.txt / *sec*.txt pair, or one of "
                               "those files next to its partner", file=path)
    seq_path, sec_path = pair
    seqs, secs = read_text_lines(seq_path), read_text_lines(sec_path)
    # Extra empty lines at the end of one file are not records.
    while seqs and seqs[-1] == "" and len(seqs) > len(secs):
        seqs.pop()
    while secs and secs[-1] == "" and len(secs) > len(seqs):
        secs.pop()
    if len(seqs) != len(secs):
        n = min(len(seqs), len(secs)) + 1
        raise LabelMismatchError(f"{seq_path.name} has {len(seqs)} lines but {sec_path.name} has "
                                 f"{len(secs)}", file=sec_path, record=f"row{n}", line=n)
    out = []
    for i, (s, lab) in enumerate(zip(seqs, secs), 1):
        rid = f"row{i}"
        if len(lab) != len(s):
            raise LabelMismatchError(f"labels have length {len(lab)} but {seq_path.name} line {i} "
                                     f"has {len(s)} residues", file=sec_path, record=rid, line=i)
        out.append(make_record(rid, s, lab, file=seq_path, line=i, label_file=sec_path,
                               coil_aliases=COIL, meta={"row": i}))
    return out
