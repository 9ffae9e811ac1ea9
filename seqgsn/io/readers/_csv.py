"""Shared helpers for the one-chain-per-row CSV readers (``pisces_csv``, ``cb6133_csv``).

One row is one chain; fields are split with Python's ``csv`` module (so a field
quoted by a spreadsheet or pandas still reads), one physical line per row.
Header names are case-insensitive and may carry spaces around them. Blank lines
are skipped. Errors name the file, the record and the 1-based line.
"""
from __future__ import annotations

import csv
from typing import Iterator

from ...errors import InvalidFileError
from ._common import read_text_lines


def header_columns(line: str) -> list[str]:
    """Column names of a CSV header line, stripped and lower-cased ([] if it is not CSV)."""
    try:
        fields = next(csv.reader([line], strict=True, skipinitialspace=True), [])
    except csv.Error:
        return []
    return [c.strip().lower() for c in fields]


def has_columns(first_line: str, required) -> bool:
    cols = header_columns(first_line)
    return all(c in cols for c in required)


def split_row(text: str, path, line: int, rid=None) -> list[str]:
    try:
        return next(csv.reader([text], strict=True, skipinitialspace=True), [])
    except csv.Error as e:
        raise InvalidFileError(f"not a CSV row: {e}", file=path, record=rid, line=line) from None


def csv_rows(path, required, what: str) -> tuple[dict, Iterator[tuple[int, int, list[str]]]]:
    """``({column: index}, rows)``; rows yields (line number, 1-based data row, stripped fields).

    The header must hold every ``required`` column (InvalidFileError naming the
    missing ones otherwise); a row with another number of fields than the header
    is an InvalidFileError.
    """
    lines = read_text_lines(path)
    if not lines or not any(ln.strip() for ln in lines):
        raise InvalidFileError("empty file", file=path)
    cols = header_columns(lines[0])
    missing = [c for c in required if c not in cols]
    if missing:
        raise InvalidFileError(f"{what} CSV header lacks column(s) {', '.join(missing)} "
                               f"(found {', '.join(cols) or 'none'})", file=path, line=1)
    dup = sorted({c for c in cols if cols.count(c) > 1 and c in required})
    if dup:
        raise InvalidFileError(f"CSV header repeats column(s) {', '.join(dup)}", file=path, line=1)
    ix = {c: cols.index(c) for c in cols}

    def rows():
        row = 0
        for ln, text in enumerate(lines[1:], 2):
            if not text.strip():
                continue
            row += 1
            fields = [f.strip() for f in split_row(text, path, ln, f"row{row}")]
            if len(fields) != len(cols):
                raise InvalidFileError(f"{len(fields)} fields, header has {len(cols)}",
                                       file=path, record=f"row{row}", line=ln)
            yield ln, row, fields
    return ix, rows()


def check_len_column(value: str, n: int, path, rid, line) -> None:
    """The optional ``len`` column, when present, must equal the sequence length."""
    if value == "":
        return
    try:
        v = int(value)
    except ValueError:
        raise InvalidFileError(f"column 'len': {value!r} is not an integer", file=path,
                               record=rid, line=line) from None
    if v != n:
        raise InvalidFileError(f"column 'len' says {v} but the sequence has {n} residues",
                               file=path, record=rid, line=line)
