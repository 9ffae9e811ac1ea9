"""DNSS2 ``seq_labels.tar.gz``: one tab-separated file per target, ``<T>.8class.ssa``::

    #   AA  Struct  RSA
    1   A   L       0
    2   R   E       0

8-state labels with ``L`` (or ``-`` / ``C``) as coil. The 3-state ``<T>.ssa`` and
``<T>.ss8.ssa`` members are ignored. Records are ordered by target name in
natural order (``TS2`` before ``TS10``); id = target name (``TS0``).
Errors name ``archive:member`` and the line inside the member.
"""
from __future__ import annotations

import re
import tarfile
import zlib

from ...errors import InvalidFileError
from ._common import make_record, split_lines

SUFFIX = ".8class.ssa"
COIL = "L-"


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def read_dnss2_tar(path) -> list:
    try:
        with tarfile.open(path, "r:*") as tar:
            # One sequential pass: random access into a .tar.gz re-reads the stream.
            texts = [(m.name, tar.extractfile(m).read()) for m in tar
                     if m.isfile() and m.name.endswith(SUFFIX)]
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise InvalidFileError(f"broken tar archive: {e}", file=path) from None
    if not texts:
        raise InvalidFileError(f"archive holds no *{SUFFIX} files", file=path)
    texts.sort(key=lambda t: _natural(t[0].rsplit("/", 1)[-1]))
    out = []
    for name, raw in texts:
        rid = name.rsplit("/", 1)[-1][:-len(SUFFIX)]
        where = f"{path}:{name}"
        try:
            lines = split_lines(raw.decode("ascii"))
        except UnicodeDecodeError:
            raise InvalidFileError("non-ASCII content", file=where, record=rid) from None
        seq, lab, first = [], [], None
        for ln, text in enumerate(lines, 1):
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            cols = text.split("\t") if "\t" in text else text.split()
            if len(cols) < 3 or len(cols[1]) != 1 or len(cols[2]) != 1:
                raise InvalidFileError("expected 'index<TAB>residue<TAB>label[<TAB>RSA]'",
                                       file=where, record=rid, line=ln)
            first = first or ln
            seq.append(cols[1])
            lab.append(cols[2])
        if not seq:
            raise InvalidFileError("no residues", file=where, record=rid)
        out.append(make_record(rid, "".join(seq), "".join(lab), file=where, line=first,
                               coil_aliases=COIL))
    return out
