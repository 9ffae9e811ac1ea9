"""Plain FASTA, unlabelled: ``>id description`` + (multi-line) sequence -> ss8 = None.

Id = first word of the header (made unique with ``_2``, ``_3``... if repeated);
the rest of the header goes to ``meta["description"]``. Residues are validated
like every corpus (see ``_common``). For prediction input use ``seqgsn.io.fasta``;
this reader exists so unlabelled chains can pass through corpus tools.
"""
from __future__ import annotations

from ...errors import InvalidFileError
from ._common import fasta_blocks, make_record, read_text_lines, unique_id


def read_fasta(path) -> list:
    out, seen = [], set()
    for header, hl, body in fasta_blocks(read_text_lines(path), path):
        words = header.split()
        if not words:
            raise InvalidFileError("empty FASTA header", file=path, line=hl)
        if not body:
            raise InvalidFileError("record without sequence", file=path, record=words[0], line=hl)
        desc = header[len(words[0]):].strip()
        seq = "".join(s for _, s in body)
        for ln, s in body:          # name the exact line of a bad residue
            if not s.isalpha():
                make_record(words[0], s, file=path, line=hl, seq_line=ln)
        out.append(make_record(unique_id(words[0], seen), seq, file=path, line=hl,
                               seq_line=body[0][0], meta={"description": desc} if desc else {}))
    return out
