"""Labelled chains from 3-D structures: run DSSP (``mkdssp``) on PDB / mmCIF files.

For each structure file (``.pdb``, ``.ent``, ``.cif``, ``.mmcif``, optionally
gzipped) we run ``mkdssp --output-format dssp <in> <out>`` in a temporary folder
and read its classic output with :func:`seqgsn.io.readers.dssp.read_dssp`: one
record per chain, ss8 = the DSSP state per residue that has coordinates
(blank and ``P`` -> coil). Ids are ``<file stem>_<chain>``; residues missing
from the coordinates are absent from the sequence (``meta["breaks"]`` counts
chain breaks).

mkdssp insists that a PDB-format file starts with a ``HEADER`` record; files
from modelling tools often do not, so a synthetic one is prepended to a
temporary copy (the user's file is never modified).

Chains that cannot be used are reported, not fatal: :func:`chains_from_structures`
returns ``(records, skipped)`` where each skipped item says file, chain, reason.
"""
from __future__ import annotations

import gzip
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..errors import SeqGSNError, ToolNotFoundError
from ..io.readers.dssp import read_dssp

STRUCTURE_SUFFIXES = (".pdb", ".ent", ".cif", ".mmcif")
_HEADER = "HEADER    SEQGSN INPUT                            01-JAN-00   XXXX              \n"
_INSTALL = ("install DSSP 4 (Debian/Ubuntu: `apt install dssp`; conda: "
            "`conda install -c conda-forge dssp`) or put mkdssp on PATH")


@dataclass
class Skipped:
    file: str
    chain: Optional[str]
    reason: str

    def to_dict(self) -> dict:
        return {"file": self.file, "chain": self.chain, "reason": self.reason}


def find_mkdssp(exe: Optional[str] = None) -> str:
    """Path of the mkdssp executable (``exe`` if given), else ToolNotFoundError."""
    for name in ([exe] if exe else ["mkdssp", "dssp"]):
        path = shutil.which(name)
        if path:
            return path
    raise ToolNotFoundError(f"{exe or 'mkdssp'} not found: {_INSTALL}")


def structure_files(src) -> list[Path]:
    """``src`` itself if a file, else the structure files in folder ``src`` (sorted)."""
    p = Path(src)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise FileNotFoundError(2, "No such file or directory", str(p))
    return sorted(f for f in p.iterdir() if f.is_file() and _is_structure(f))


def _is_structure(f: Path) -> bool:
    name = f.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return name.endswith(STRUCTURE_SUFFIXES)


def _stem(f: Path) -> str:
    name = f.name[:-3] if f.name.lower().endswith(".gz") else f.name
    return name.rsplit(".", 1)[0]


def _prepare_input(f: Path, tmp: Path) -> Path:
    """A copy mkdssp accepts: decompressed, and with a HEADER line for PDB format."""
    raw = gzip.decompress(f.read_bytes()) if f.name.lower().endswith(".gz") else f.read_bytes()
    text = raw.decode("latin-1")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if first.startswith("data_"):
        out = tmp / "input.cif"
    else:
        out = tmp / "input.pdb"
        if not text.startswith("HEADER"):
            text = _HEADER + text
    out.write_text(text, encoding="latin-1")
    return out


def run_dssp(f: Path, mkdssp: str, tmp: Path) -> Path:
    """Run mkdssp on ``f``; return the classic DSSP output path (SeqGSNError if it fails)."""
    inp = _prepare_input(f, tmp)
    out = tmp / "out.dssp"
    try:
        r = subprocess.run([mkdssp, "--output-format", "dssp", str(inp), str(out)],
                           capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise SeqGSNError("mkdssp timed out after 600 s", file=f) from None
    if r.returncode != 0 or not out.is_file():
        msg = " ".join((r.stderr or r.stdout or "no message").split())[:300]
        raise SeqGSNError(f"mkdssp failed (exit {r.returncode}): {msg}", file=f)
    return out


def chains_from_structures(src, chains: Optional[Iterable[str]] = None, min_length: int = 1,
                           mkdssp: Optional[str] = None) -> tuple[list, list[Skipped]]:
    """DSSP-labelled chains of every structure in ``src`` (file or folder).

    chains: keep only these chain ids (a requested chain absent from a file is
    reported as skipped). min_length: chains shorter than this are skipped.
    """
    exe = find_mkdssp(mkdssp)
    want = None if chains is None else list(dict.fromkeys(chains))
    records, skipped = [], []
    files = structure_files(src)
    if not files:
        skipped.append(Skipped(str(src), None, "no structure files (.pdb .ent .cif .mmcif[.gz])"))
    for f in files:
        with tempfile.TemporaryDirectory(prefix="seqgsn-dssp-") as td:
            try:
                recs = read_dssp(run_dssp(f, exe, Path(td)))
            except (SeqGSNError, OSError, UnicodeDecodeError) as e:
                reason = e.reason if isinstance(e, SeqGSNError) else str(e)
                skipped.append(Skipped(str(f), None, reason))
                continue
        found = set()
        for r in recs:
            ch = r.meta.get("chain")
            found.add(ch)
            if want is not None and ch not in want:
                continue
            if len(r.seq) < min_length:
                skipped.append(Skipped(str(f), ch, f"{len(r.seq)} residues < min length "
                                                   f"{min_length}"))
                continue
            r.id = f"{_stem(f)}_{ch}" if ch and ch.strip() else _stem(f)
            r.source = str(f)
            r.line = None
            records.append(r)
        for ch in (want or []):
            if ch not in found:
                skipped.append(Skipped(str(f), ch, "chain not found (or no protein residues)"))
    _dedupe_ids(records)
    return records, skipped


def _dedupe_ids(records: list) -> None:
    seen: set = set()
    for r in records:
        base, k = r.id, 2
        while r.id in seen:
            r.id, k = f"{base}_{k}", k + 1
        seen.add(r.id)
