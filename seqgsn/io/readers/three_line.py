"""Three-line labelled records (DNSS2 ``cb513_fasta_label.txt`` and similar)::

    >TS0 |PDBID|CHAIN|SEQUENCE
    VPSLATISLENSW...
    LLLHHHHHHHHHH...
    <blank line>

Line 1 is ``>`` + id (first word; the rest goes to ``meta["description"]``),
line 2 the sequence, line 3 the DSSP 8-state labels with ``L`` (and ``-``) as
coil. Blank lines between records are optional.
"""
from __future__ import annotations

from ...errors import InvalidFileError
from ._common import fasta_blocks, make_record, read_text_lines, unique_id

COIL = "L-"


def read_three_line(path, coil_aliases: str = COIL) -> list:
    out, seen = [], set()
    for header, hl, body in fasta_blocks(read_text_lines(path), path):
        rid = header.split()[0] if header.split() else ""
        if not rid:
            raise InvalidFileError("empty record id", file=path, line=hl)
        if len(body) != 2:
            raise InvalidFileError(
                f"expected 2 lines (sequence, labels) after the header, found {len(body)}",
                file=path, record=rid, line=hl)
        (sl, seq), (ll, lab) = body
        desc = header[len(rid):].strip()
        out.append(make_record(unique_id(rid, seen), seq, lab, file=path, line=hl, seq_line=sl,
                               label_line=ll, coil_aliases=coil_aliases,
                               meta={"description": desc} if desc else {}))
    return out


def looks_three_line(lines: list[str]) -> bool:
    """Header, then exactly two non-blank lines whose second is over a label alphabet."""
    body = []
    started = False
    for ln in lines[:50]:
        s = ln.strip()
        if not s:
            continue
        if s.startswith(">"):
            if started:
                break
            started = True
            continue
        body.append(s)
    if len(body) != 2 or len(body[0]) != len(body[1]):
        return False
    return set(body[1]) <= set("HGIEBTSCL-. ")
