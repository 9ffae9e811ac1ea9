"""SCRATCH-1D (SSpro8) training folder: ``Proteins.fa`` + ``SSpro8.dssp``.

Both files are FASTA-like with the same headers in the same order, e.g.
``>pdb,4gvp,A,#1``; the body of ``SSpro8.dssp`` is the DSSP 8-state string
(``HGIEBTSC``). ``SSpro.dssp`` (3-state) is ignored on purpose: it maps I->C,
while seqgsn derives 3-state from 8-state with I->H.

Id: ``<pdb>_<chain>`` (``4gvp_A``); the ``#N`` suffix (N > 1 marks another copy
of the same chain) becomes ``_N`` so ids stay unique. The raw header is kept in
``meta["header"]``.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import InvalidFileError, LabelMismatchError
from ._common import fasta_blocks, make_record, read_text_lines, unique_id

SEQ_FILE = "Proteins.fa"
SS8_FILE = "SSpro8.dssp"


def folder_of(path) -> Path:
    p = Path(path)
    return p if p.is_dir() else p.parent


def is_scratch1d(path) -> bool:
    d = folder_of(path)
    return (d / SEQ_FILE).is_file() and (d / SS8_FILE).is_file()


def scratch_id(header: str) -> str:
    parts = [x.strip() for x in header.split(",")]
    if len(parts) >= 3 and parts[0].lower() == "pdb" and parts[1] and parts[2]:
        rid = f"{parts[1]}_{parts[2]}"
        copy = parts[3].lstrip("#") if len(parts) > 3 else "1"
        return rid if copy in ("", "1") else f"{rid}_{copy}"
    return header.split()[0] if header.split() else header


def read_scratch1d(path) -> list:
    d = folder_of(path)
    seq_path, ss_path = d / SEQ_FILE, d / SS8_FILE
    for p in (seq_path, ss_path):
        if not p.is_file():
            raise InvalidFileError(f"SCRATCH-1D folder is missing {p.name}", file=p)
    seqs = list(fasta_blocks(read_text_lines(seq_path), seq_path))
    labs = list(fasta_blocks(read_text_lines(ss_path), ss_path))
    seen: set = set()
    out = []
    for k, ((h, hl, body), lab) in enumerate(zip(seqs, labs)):
        lh, lhl, lbody = lab
        if lh != h:
            raise LabelMismatchError(
                f"record {k + 1} header {lh!r} differs from {seq_path.name} header {h!r} "
                f"(line {hl}): files are not in the same order", file=ss_path, record=lh, line=lhl)
        rid = unique_id(scratch_id(h), seen)
        seq = "".join(s for _, s in body)
        ss8 = "".join(s for _, s in lbody)
        if len(ss8) != len(seq):
            raise LabelMismatchError(
                f"8-state labels have length {len(ss8)} but {seq_path.name} line {hl} gives "
                f"{len(seq)} residues", file=ss_path, record=rid, line=lhl)
        out.append(make_record(rid, seq, ss8, file=seq_path, line=hl,
                               seq_line=body[0][0] if body else hl,
                               label_line=lbody[0][0] if lbody else lhl, label_file=ss_path,
                               meta={"header": h}))
    if len(seqs) != len(labs):
        longer, n = (seq_path, len(seqs)) if len(seqs) > len(labs) else (ss_path, len(labs))
        short = min(len(seqs), len(labs))
        extra = (seqs if longer == seq_path else labs)[short]
        raise LabelMismatchError(
            f"{seq_path.name} has {len(seqs)} records but {ss_path.name} has {len(labs)}",
            file=longer, record=extra[0], line=extra[1])
    return out
