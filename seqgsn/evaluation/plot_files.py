"""``seqgsn plot``: predict / sample JSONL records to one figure file each (or one file for one record)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from ..errors import InvalidFileError, SeqGSNError
from ..io.atomic import check_writable
from ..io.formats import safe_filename
from .figures import (FIGURE_FORMATS, figure_format, prediction_figure, require_matplotlib, samples_figure,
                      save_figure)


def read_jsonl_records(path) -> Iterator[Tuple[int, dict]]:
    """``(line number, record)`` for every non-blank line of a JSONL file (``-`` = standard input)."""
    name = "<stdin>" if str(path) == "-" else str(path)
    fh = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")
    try:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise InvalidFileError(f"not a JSON line ({e.msg}); expected the output of 'seqgsn "
                                       "predict --format jsonl' or 'seqgsn sample'", file=name, line=n) from None
            if not isinstance(rec, dict) or "sequence" not in rec or not ({"ss8", "samples"} & set(rec)):
                raise InvalidFileError("not a prediction or sample record (needs 'sequence' and 'ss8' or "
                                       "'samples')", file=name, line=n)
            yield n, rec
    finally:
        if fh is not sys.stdin:
            fh.close()


def record_kind(rec: dict) -> str:
    """``samples`` (a raster of the samples) when the record holds samples, else ``prediction``."""
    return "samples" if rec.get("samples") else "prediction"


def draw_record(rec: dict, *, per_row: int = 100):
    """The record's figure: a sample raster for ``sample`` output, the cartoon for ``predict`` output."""
    if record_kind(rec) == "samples":
        return samples_figure(rec, per_row=per_row)
    return prediction_figure(rec, per_row=per_row)


def is_directory_target(out) -> bool:
    """A directory: existing, ending in '/', or a name without a figure extension."""
    s = str(out)
    return s.endswith(("/", os.sep)) or Path(s).is_dir() or Path(s).suffix == ""


def plot_jsonl(src, out, *, fmt: Optional[str] = None, per_row: int = 100, dpi: int = 150) -> List[Path]:
    """Draw every record of ``src`` (JSONL from ``predict --format jsonl`` or ``sample``) into ``out``:
    a ``.png`` / ``.svg`` / ``.pdf`` file when ``src`` holds one record, or a directory that gets one
    file per record named after its id (``DIR/<safe id>.<fmt>``, ``fmt`` default png). Returns the
    paths written."""
    require_matplotlib()
    if fmt is not None and fmt not in FIGURE_FORMATS:
        raise SeqGSNError(f"figure format must be one of {', '.join(FIGURE_FORMATS)}, not {fmt!r}")
    check_writable(out, directory=is_directory_target(out), what="figure")
    records = read_jsonl_records(src)
    if not is_directory_target(out):
        ext = figure_format(out)
        if fmt is not None and fmt != ext:
            raise SeqGSNError(f"the file name says .{ext} but the format asked is {fmt}", file=out)
        first = next(records, None)
        if first is None:
            raise InvalidFileError("no record to plot", file=src)
        second = next(records, None)
        if second is not None:
            raise SeqGSNError(f"{src} holds more than one record (line {second[0]} starts the second); "
                              "pass a directory (e.g. -o figures/) to get one file per record", file=out)
        return [save_figure(draw_record(first[1], per_row=per_row), out, dpi=dpi)]
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: Dict[str, int] = {}
    written = []
    for _, rec in records:
        stem = safe_filename(str(rec.get("id", "record")))
        used[stem] = used.get(stem, 0) + 1
        name = f"{stem}.{fmt or 'png'}" if used[stem] == 1 else f"{stem}~{used[stem]}.{fmt or 'png'}"
        written.append(save_figure(draw_record(rec, per_row=per_row), out_dir / name, dpi=dpi))
    if not written:
        raise InvalidFileError("no record to plot", file=src)
    return written
