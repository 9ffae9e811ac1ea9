"""PISCES / PDB per-chain CSV (``pisces_pdb2018``, the 2018 "ss.cleaned" table, or your own)::

    pdb_id,chain_code,seq,sst8,sst3,len,has_nonstd_aa,Exptl.,resolution,R-factor,FreeRvalue
    1FV1,F,NPVVHFFKNIVTPRTPPPSQ,CCCCCBCCCCCCCCCCCCCC,CCCCCECCCCCCCCCCCCCC,20,False,XRAY,1.9,0.23,0.27

Required columns: ``pdb_id``, ``seq``, ``sst8`` (DSSP 8-state ``HGIEBTSC``, ``C`` = coil);
``chain_code`` is optional; any other column is allowed. So a user's own file
``pdb_id,chain_code,seq,sst8`` reads as is. Column names are case-insensitive.

* **Id**: ``<pdb_id>_<chain_code>`` (``1FV1_F``; ``<pdb_id>`` alone without a chain
  column); a repeated id gets ``_2``, ``_3`` ... in file order
  (:func:`~seqgsn.io.readers._common.unique_id`). ``meta``: ``pdb_id``, ``chain``.
* **3-state** is derived from ``sst8`` with the project's mapping (H,G,I->H; E,B->E;
  T,S,C->C). The file's own ``sst3`` column is never read: in ``pisces_pdb2018`` it
  uses that same mapping (checked on all 2,017,973 residues), so it adds nothing,
  and other tables of this layout have used other reductions (SCRATCH-1D's own
  3-state file maps I->C); one mapping for every corpus keeps 3-state numbers
  comparable.
* ``len``, when present, must equal the sequence length (a cheap check that the
  row was not cut). ``has_nonstd_aa`` and the experiment columns are not used.
* **``*`` in ``seq``** marks a non-standard residue (a modified amino acid or a
  terminal cap such as an acetyl group; in ``pisces_pdb2018`` 148 of them in 78
  chains, 43 at the first position, 32 at the last, 73 inside). It is read as the
  unknown residue ``X``, with its DSSP label **kept, trained on and scored**;
  the 1-based positions are listed in ``meta["nonstd_positions"]``. Why: here
  ``*`` is not a stop codon. Every ``*`` carries a DSSP state of its own (mostly
  coil, also H, G, T, S, E), ``len`` counts it, and dropping it would join two
  residues that are not neighbours and shift the labels. ``X`` is exactly what
  :mod:`seqgsn.alphabet` does with ``B Z J U O X`` (the model sees "unknown here",
  never a guessed standard residue), and ``X`` residues of the other corpora
  (3,026 in SCRATCH-1D, 7,445 in CB6133) are labelled and scored too. A leading or
  trailing ``*`` is handled the same way, because it has a label as well. (This
  differs on purpose from ``seqgsn predict``'s FASTA policy, where a terminal
  ``*`` is a translation stop and removed: a labelled corpus row has no stops.)
* **Unobserved residues.** ``pisces_pdb2018``'s sequences are the full deposited
  constructs and its DSSP strings label residues absent from the model (tags,
  disordered termini) as coil, with no column saying which they are: 24.9% of its
  chains end in >= 20 terminal ``C`` (SCRATCH-1D 0.1%, CB6133 0.2%), 6.4% of its
  residues lie in terminal coil runs (2.6% / 2.2%). Option ``terminal_coil=K``
  (an entry ``pisces_pdb2018?terminal_coil=5``) leaves unlabelled (mask False: not
  trained on, not scored) every terminal ``C`` more than K residues from the chain's
  first / last non-coil residue; default: keep every label as the file has it.
"""
from __future__ import annotations

import numpy as np

from ._common import make_record, unique_id
from ._csv import check_len_column, csv_rows, has_columns
from ...errors import ConfigError, InvalidFileError

REQUIRED = ("pdb_id", "seq", "sst8")
NONSTANDARD = "*"


def looks_pisces_csv(first_line: str) -> bool:
    return has_columns(first_line, REQUIRED)


def terminal_coil_mask(ss8: str, keep: int) -> np.ndarray:
    """bool [L]: False on terminal ``C`` residues more than ``keep`` from the nearest non-coil one."""
    L = len(ss8)
    core = [i for i, c in enumerate(ss8) if c != "C"]
    mask = np.zeros(L, bool)
    if core:
        mask[max(0, core[0] - keep):min(L, core[-1] + keep + 1)] = True
    return mask


def read_pisces_csv(path, terminal_coil=None) -> list:
    keep = None
    if terminal_coil is not None:
        if not str(terminal_coil).isdigit():
            raise ConfigError(f"option terminal_coil must be an integer >= 0, got {terminal_coil!r}", file=path)
        keep = int(terminal_coil)
    ix, rows = csv_rows(path, REQUIRED, "PISCES")
    chain_col = ix.get("chain_code")
    out, seen = [], set()
    for ln, row, f in rows:
        pdb = f[ix["pdb_id"]]
        chain = f[chain_col] if chain_col is not None else ""
        if not pdb:
            raise InvalidFileError("empty pdb_id", file=path, record=f"row{row}", line=ln)
        rid = unique_id(f"{pdb}_{chain}" if chain else pdb, seen)
        seq = f[ix["seq"]]
        if "len" in ix:
            check_len_column(f[ix["len"]], len(seq), path, rid, ln)
        meta = {"pdb_id": pdb, "chain": chain}
        if NONSTANDARD in seq:
            meta["nonstd_positions"] = [i + 1 for i, c in enumerate(seq) if c == NONSTANDARD]
            seq = seq.replace(NONSTANDARD, "X")
        ss8 = f[ix["sst8"]]
        mask = terminal_coil_mask(ss8, keep) if keep is not None and len(ss8) == len(seq) else None
        out.append(make_record(rid, seq, ss8, mask=mask, file=path, line=ln, meta=meta))
    return out
