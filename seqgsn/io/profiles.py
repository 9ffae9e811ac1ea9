"""Evolutionary profiles: PSI-BLAST ASCII PSSM and HHblits ``.hhm`` -> float32 [L, P].

Column order (every profile seqgsn produces or reads)
-----------------------------------------------------
``PROFILE_COLUMNS = "ACDEFGHIKLMNPQRSTVWYX"``: the 20 standard residues in the
order of :data:`seqgsn.alphabet.AA_STANDARD` (columns 0-19), then ``X`` (column
20). PSSM and HHM parsers give the 20 residue columns ([L, 20]); corpora that
ship a 21st "X" column (ICML-2014 ``.npy``, CASP ``.h5``) keep it as column 20.

PSI-BLAST ASCII PSSM (``psiblast -out_ascii_pssm``)
---------------------------------------------------
After two title lines, a header line of 40 residue letters (``A R N D C Q E G H
I L K M F P S T W Y V`` twice), then one line per position::

    1 M   -1  -2 ... (20 log-odds scores)   0   0 ... (20 weighted %)  0.00 0.00

and a blank line + ``Lambda`` statistics at the end. We read the 20 log-odds
scores s and return ``sigmoid(s) = 1 / (1 + exp(-s))`` (the scaling used by
PSIPRED-style predictors and the ICML-2014 data), reordered to PROFILE_COLUMNS.

HHblits / HHsearch ``.hhm``
---------------------------
Header lines up to ``HMM    A C D ... Y`` (20 letters, already in
PROFILE_COLUMNS order), a transition header line, the NULL-model transition
line, then two lines per match state::

    M 1    2584  *  ...  (20 emission values)  1
           0  *  *  *  *  *  *  0  0  0        (7 transitions, Neff, Neff_I, Neff_D)

ending with ``//``. A value x is ``-1000 * log2(p)``; ``*`` means p = 0. We
return emission probabilities ``p = 2 ** (-x / 1000)`` ([L, 20]); with
``transitions=True`` also the 7 transition probabilities (same transform) and
the three Neff values divided by 1000 ([L, 30]).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..alphabet import AA_STANDARD
from ..errors import InvalidFileError

PROFILE_COLUMNS = AA_STANDARD + "X"
PSSM_ORDER = "ARNDCQEGHILKMFPSTWYV"
HHM_EXTRA_COLUMNS = ("M->M", "M->I", "M->D", "I->M", "I->I", "D->M", "D->D", "Neff", "Neff_I",
                     "Neff_D")
_PSSM_PERM = np.array([PSSM_ORDER.index(c) for c in AA_STANDARD])


@dataclass
class Profile:
    """A parsed profile: ``seq`` as written in the file, ``values`` float32 [L, P]."""

    seq: str
    values: np.ndarray
    columns: tuple      # column names, e.g. ("A", "C", ..., "Y")
    source: str


def _lines(path) -> list[str]:
    try:
        return Path(path).read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError:
        raise InvalidFileError("non-ASCII byte: not a text profile file", file=path) from None


def read_pssm(path) -> Profile:
    """PSI-BLAST ASCII PSSM -> Profile with values sigmoid(log-odds) float32 [L, 20]."""
    lines = _lines(path)
    head = next((i for i, ln in enumerate(lines) if ln.split()[:20] == list(PSSM_ORDER)), None)
    if head is None:
        raise InvalidFileError("no PSSM column header ('A R N D C Q E G H I L K M F P S T W Y V')",
                               file=path)
    seq, rows = [], []
    for ln in range(head + 1, len(lines)):
        parts = lines[ln].split()
        if not parts:
            if rows:
                break
            continue
        if len(parts) < 22 or not parts[0].isdigit():
            raise InvalidFileError("expected 'position residue' + 20 scores", file=path,
                                   line=ln + 1)
        if int(parts[0]) != len(rows) + 1:
            raise InvalidFileError(f"position {parts[0]} out of order (expected {len(rows) + 1})",
                                   file=path, line=ln + 1)
        try:
            rows.append([float(x) for x in parts[2:22]])
        except ValueError:
            raise InvalidFileError("non-numeric PSSM score", file=path, line=ln + 1) from None
        seq.append(parts[1])
    if not rows:
        raise InvalidFileError("PSSM has no positions", file=path, line=head + 1)
    scores = np.asarray(rows, dtype=np.float64)[:, _PSSM_PERM]
    vals = (1.0 / (1.0 + np.exp(-scores))).astype(np.float32)
    return Profile("".join(seq), vals, tuple(AA_STANDARD), str(path))


def _hhm_value(tok: str, path, line: int) -> float:
    if tok == "*":
        return 0.0
    try:
        return 2.0 ** (-int(tok) / 1000.0)
    except ValueError:
        raise InvalidFileError(f"bad HMM value {tok!r}", file=path, line=line) from None


def read_hhm(path, transitions: bool = False) -> Profile:
    """HHblits ``.hhm`` -> emission probabilities [L, 20] (or [L, 30], see module doc)."""
    lines = _lines(path)
    head = next((i for i, ln in enumerate(lines) if ln.startswith("HMM ")), None)
    if head is None or lines[head].split()[1:21] != list(AA_STANDARD):
        raise InvalidFileError("no 'HMM    A C D ... Y' header line", file=path,
                               line=None if head is None else head + 1)
    seq, rows = [], []
    i = head + 3      # skip transition header and the NULL transition line
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("//"):
            break
        if not ln.strip():
            i += 1
            continue
        parts = ln.split()
        if len(parts) < 22 or len(parts[0]) != 1 or not parts[1].isdigit():
            raise InvalidFileError("expected 'residue position' + 20 emission values",
                                   file=path, line=i + 1)
        emit = [_hhm_value(t, path, i + 1) for t in parts[2:22]]
        if transitions:
            if i + 1 >= len(lines) or len(lines[i + 1].split()) < 10:
                raise InvalidFileError("missing transition line", file=path, line=i + 2)
            tr = lines[i + 1].split()
            emit += [_hhm_value(t, path, i + 2) for t in tr[:7]]
            try:
                emit += [int(t) / 1000.0 for t in tr[7:10]]
            except ValueError:
                raise InvalidFileError("bad Neff value", file=path, line=i + 2) from None
        seq.append(parts[0])
        rows.append(emit)
        i += 2
    else:
        raise InvalidFileError("file ends without '//' (truncated?)", file=path, line=len(lines))
    if not rows:
        raise InvalidFileError("HMM has no match states", file=path, line=head + 1)
    cols = tuple(AA_STANDARD) + (HHM_EXTRA_COLUMNS if transitions else ())
    return Profile("".join(seq), np.asarray(rows, dtype=np.float32), cols, str(path))


def read_profile(path, **options) -> Profile:
    """Dispatch on content: ``.hhm`` (starts with ``HHsearch``) or ASCII PSSM."""
    with open(path, "rb") as fh:
        start = fh.read(16)
    return read_hhm(path, **options) if start.startswith(b"HHsearch") else read_pssm(path)
