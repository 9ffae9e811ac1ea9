"""ICML-2014 CB6133(-filtered) training set as text (``icml2014_cb6133filtered``)::

    id,len,input,expected
    1,315,FDYQTVYFANQYGLRTIELGESEF...,LLLLEEELSLSEEEEEEELSLLSSSLL...

Required columns: ``id``, ``input`` (residues, ``X`` = unknown), ``expected``
(DSSP 8-state with ``L`` = coil, read as ``C``; ``C`` itself is accepted too).
``len``, when present, must equal the sequence length. This is Zhou &
Troyanskaya's ``cullpdb+profile_6133_filtered`` without its profile columns.

* **Id**: the ``id`` column as written (``"1"`` ... ``"5534"`` in the shared file,
  where all 5,137 are unique). A repeated id gets ``_2``, ``_3`` ... in file order
  (:func:`~seqgsn.io.readers._common.unique_id`), so ids stay unique and the same
  file always gives the same ids. ``meta["row"]`` is the 1-based data row.
* Repeated **sequences** (the shared file has 158 pairs, 4,979 unique sequences,
  each pair with equal labels) are kept here: a reader returns what the file holds.
  Training-set assembly merges them (``seqgsn.data.training_set``).
* **3-state** is derived from 8-state (H,G,I->H; E,B->E; T,S,C->C); the file has no
  3-state column.
"""
from __future__ import annotations

from ._common import make_record, unique_id
from ._csv import check_len_column, csv_rows, has_columns
from ...errors import InvalidFileError

REQUIRED = ("id", "input", "expected")
COIL = "L"


def looks_cb6133_csv(first_line: str) -> bool:
    return has_columns(first_line, REQUIRED)


def read_cb6133_csv(path) -> list:
    ix, rows = csv_rows(path, REQUIRED, "CB6133")
    out, seen = [], set()
    for ln, row, f in rows:
        raw = f[ix["id"]]
        if not raw:
            raise InvalidFileError("empty id", file=path, record=f"row{row}", line=ln)
        rid = unique_id(raw, seen)
        seq = f[ix["input"]]
        if "len" in ix:
            check_len_column(f[ix["len"]], len(seq), path, rid, ln)
        out.append(make_record(rid, seq, f[ix["expected"]], file=path, line=ln,
                               coil_aliases=COIL, meta={"row": row}))
    return out
