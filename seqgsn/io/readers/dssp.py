"""DSSP output files -> one LabeledRecord per chain.

Classic format (``mkdssp --output-format dssp``)
------------------------------------------------
Header lines, then a line starting ``  #  RESIDUE AA STRUCTURE``, then one
fixed-column line per residue: column 12 (1-based) chain id, 14 amino acid
(one letter; lowercase a-z = half-cystine of a disulfide -> ``C``; ``!`` marks a
break line carrying no residue: ``!*`` between chains, ``!`` a gap inside a
chain), 17 the DSSP state (blank = coil).

mmCIF format (``mkdssp --output-format mmcif --write-experimental``)
--------------------------------------------------------------------
The per-residue loop ``_dssp_struct_summary`` (``label_comp_id``,
``label_asym_id``, ``label_seq_id``, ``secondary_structure`` with ``.`` = coil).
Plain mmCIF output without that loop is refused (it only lists ranges).
Three-letter codes -> one letter with Biopython's extended table (MSE -> M);
unknown codes -> ``X``.

States: ``HGIEBTSC``; DSSP >= 4 also writes ``P`` (polyproline II), which is not
in the 8-state alphabet and is read as coil, like blank / ``.``.

Ids: ``<PDB id or file stem>_<chain>``; ``meta = {"chain": ..., "breaks": n}``.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import InvalidFileError
from ._common import make_record, read_text_lines, unique_id

COIL = " .P"
TABLE_START = "  #  RESIDUE"


def _entry_name(lines: list[str], path) -> str:
    for ln in lines[:20]:
        if ln.startswith("HEADER") and len(ln) >= 66 and ln[62:66].strip():
            return ln[62:66].strip().lower()
    return Path(path).name.split(".")[0]


def read_dssp(path) -> list:
    lines = read_text_lines(path)
    start = next((i for i, ln in enumerate(lines) if ln.startswith(TABLE_START)), None)
    if start is None:
        raise InvalidFileError(f"no residue table (a line starting {TABLE_START.strip()!r})",
                               file=path)
    name = _entry_name(lines, path)
    chains: list[dict] = []
    for ln in range(start + 2, len(lines) + 1):
        text = lines[ln - 1]
        if not text.strip():
            continue
        if len(text) < 17:
            raise InvalidFileError("residue line shorter than 17 columns", file=path, line=ln)
        aa = text[13]
        if aa == "!":
            if chains and text[14] != "*":      # "!*" = next chain, "!" = break inside one
                chains[-1]["breaks"] += 1
            continue
        chain = text[11]
        if not chains or chains[-1]["chain"] != chain:
            chains.append({"chain": chain, "seq": [], "ss": [], "line": ln, "breaks": 0})
        chains[-1]["seq"].append("C" if aa.islower() else aa)
        chains[-1]["ss"].append(text[16])
    return _records(chains, name, path)


def read_dssp_mmcif(path) -> list:
    from Bio.Data.PDBData import protein_letters_3to1_extended as three_to_one
    from Bio.PDB.MMCIF2Dict import MMCIF2Dict

    try:
        d = MMCIF2Dict(str(path))
    except (ValueError, KeyError, IndexError) as e:
        raise InvalidFileError(f"unreadable mmCIF: {e}", file=path) from None
    key = "_dssp_struct_summary."
    cols = ("label_comp_id", "label_asym_id", "label_seq_id", "secondary_structure")
    if key + "secondary_structure" not in d:
        raise InvalidFileError("mmCIF has no per-residue DSSP loop (_dssp_struct_summary); "
                               "write it with mkdssp --output-format mmcif --write-experimental",
                               file=path)
    try:
        comp, asym, seq_id, ss = (d[key + c] for c in cols)
    except KeyError as e:
        raise InvalidFileError(f"_dssp_struct_summary lacks column {e}", file=path) from None
    entry = d.get("_entry.id", [None])[0] or d.get("data_", "") or Path(path).name.split(".")[0]
    chains: list[dict] = []
    prev = None
    for c3, ch, sid, s in zip(comp, asym, seq_id, ss):
        if not chains or chains[-1]["chain"] != ch:
            chains.append({"chain": ch, "seq": [], "ss": [], "line": None, "breaks": 0})
            prev = None
        try:
            n = int(sid)
        except ValueError:
            raise InvalidFileError(f"bad label_seq_id {sid!r}", file=path, record=ch) from None
        if prev is not None and n != prev + 1:
            chains[-1]["breaks"] += 1
        prev = n
        chains[-1]["seq"].append(three_to_one.get(c3.upper(), "X"))
        chains[-1]["ss"].append(s)
    return _records(chains, str(entry).lower(), path)


def _records(chains: list[dict], name: str, path) -> list:
    if not chains:
        raise InvalidFileError("no residues in the DSSP table", file=path)
    out, seen = [], set()
    for c in chains:
        rid = unique_id(f"{name}_{c['chain']}", seen)
        out.append(make_record(rid, "".join(c["seq"]), "".join(c["ss"]), file=path,
                               line=c["line"], coil_aliases=COIL,
                               meta={"chain": c["chain"], "breaks": c["breaks"]}))
    return out
