"""FLIP secondary-structure ``splits.zip`` (NetSurfP-2.0 data), **3-state labels only**.

The zip holds three FASTA files with the same ids in the same order:

* ``splits/sequences.fasta``: ``>1es5-A`` + residues;
* ``splits/sampled.fasta``: ``>1es5-A SET=train VALIDATION=False`` + ``H/E/C`` labels;
* ``splits/mask.fasta``: ``1`` = resolved residue (evaluate), ``0`` = unresolved.

Records get ``ss8=None``, ``ss3`` set, ``mask`` from mask.fasta and
``meta = {"set": "train"|"test", "validation": bool}``.
``split=``: ``"train"`` (SET=train, VALIDATION=False), ``"val"`` (VALIDATION=True),
``"test"`` (SET=test) or ``"all"`` (default).
"""
from __future__ import annotations

import zipfile
import zlib

import numpy as np

from ...errors import ConfigError, InvalidFileError, LabelMismatchError
from ._common import fasta_blocks, make_record, split_lines, unique_id

SPLITS = ("all", "train", "val", "test")
MEMBERS = ("sequences.fasta", "sampled.fasta", "mask.fasta")
# What zipfile raises on damaged archives (bad CRC, bad deflate data, odd flag bits).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
              RuntimeError, ValueError)


def _member(z: zipfile.ZipFile, name: str, path) -> tuple[str, list]:
    hits = [n for n in z.namelist() if n == name or n.endswith("/" + name)]
    if not hits:
        raise InvalidFileError(f"zip archive lacks {name}", file=path)
    where = f"{path}:{hits[0]}"
    try:
        text = z.read(hits[0]).decode("ascii")
    except (UnicodeDecodeError, *ZIP_ERRORS) as e:
        raise InvalidFileError(f"cannot read member: {e}", file=where) from None
    return where, list(fasta_blocks(split_lines(text), where))


def _parse_tags(header: str, where: str, line: int) -> dict:
    tags = dict(t.split("=", 1) for t in header.split()[1:] if "=" in t)
    if "SET" not in tags or "VALIDATION" not in tags:
        raise InvalidFileError("label header lacks SET= / VALIDATION= tags", file=where,
                               record=header.split()[0], line=line)
    return {"set": tags["SET"].lower(), "validation": tags["VALIDATION"].lower() == "true"}


def _selected(meta: dict, split: str) -> bool:
    if split == "all":
        return True
    if split == "test":
        return meta["set"] == "test"
    if split == "val":
        return meta["set"] == "train" and meta["validation"]
    return meta["set"] == "train" and not meta["validation"]


def read_flip(path, split: str = "all") -> list:
    if split not in SPLITS:
        raise ConfigError(f"unknown FLIP split {split!r}; choose one of {', '.join(SPLITS)}")
    try:
        with zipfile.ZipFile(path) as z:
            (sw, seqs), (lw, labs), (mw, masks) = (_member(z, m, path) for m in MEMBERS)
    except ZIP_ERRORS as e:
        raise InvalidFileError(f"broken zip archive: {e}", file=path) from None
    if not (len(seqs) == len(labs) == len(masks)):
        raise LabelMismatchError(f"record counts differ: {len(seqs)} sequences, {len(labs)} "
                                 f"label records, {len(masks)} masks", file=path)
    out, seen = [], set()
    for (sh, sl, sb), (lh, ll, lb), (mh, ml, mb) in zip(seqs, labs, masks):
        rid = sh.split()[0] if sh.split() else ""
        for h, line, w in ((lh, ll, lw), (mh, ml, mw)):
            if (h.split() or [""])[0] != rid:
                raise LabelMismatchError(f"header {h!r} does not match sequence id {rid!r} "
                                         "(files out of order)", file=w, record=rid, line=line)
        meta = _parse_tags(lh, lw, ll)
        if not _selected(meta, split):
            continue
        mtxt = "".join(s for _, s in mb)
        if set(mtxt) - {"0", "1"}:
            raise InvalidFileError("mask must contain only 0 and 1", file=mw, record=rid, line=ml)
        mask = np.frombuffer(mtxt.encode("ascii"), np.uint8) == ord("1")
        seq = "".join(s for _, s in sb)
        if mask.shape[0] != len(seq):
            raise LabelMismatchError(f"mask has length {mask.shape[0]} but the sequence has "
                                     f"{len(seq)} residues", file=mw, record=rid, line=ml)
        ss3 = "".join(s for _, s in lb)
        if len(ss3) != len(seq):
            raise LabelMismatchError(f"labels have length {len(ss3)} but the sequence has "
                                     f"{len(seq)} residues", file=lw, record=rid, line=ll)
        out.append(make_record(unique_id(rid, seen), seq, None, ss3=ss3, mask=mask, file=sw,
                               line=sl, seq_line=sb[0][0] if sb else sl,
                               label_line=lb[0][0] if lb else ll, label_file=lw, meta=meta))
    return out
