"""DSSP on structures built here: mkdssp classic/mmCIF output readers and chains_from_structures.

The structure is made with Biopython's internal-coordinate builder: chain A is an
ideal alpha helix (phi -57, psi -47; 20 residues), chain B a short extended
peptide (6 residues) placed 40 A away. Skipped when mkdssp is not installed.
"""
from __future__ import annotations

import shutil
import subprocess
import warnings

import pytest

from seqgsn.data.structures import chains_from_structures, find_mkdssp
from seqgsn.errors import InvalidFileError, ToolNotFoundError
from seqgsn.io.corpus import detect_format, read_corpus

from tests.conftest import require_tool
HELIX = "AEAAAKEAAAKEAAAKAAKA"
EXTENDED = "GSVTVK"


def build_chain(seq, chain_id, phi, psi, shift):
    from Bio.PDB.PICIO import read_PIC_seq
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = read_PIC_seq(SeqRecord(Seq(seq), id=chain_id, description=""))
        s.internal_to_atom_coordinates()
        for res in s.get_residues():
            for name, val in (("phi", phi), ("psi", psi), ("omega", 180.0)):
                if res.internal_coord.get_angle(name) is not None:
                    res.internal_coord.set_angle(name, val)
        s.internal_to_atom_coordinates()
    chain = next(s.get_chains())
    chain.detach_parent()
    chain.id = chain_id
    for atom in chain.get_atoms():
        atom.set_coord(atom.get_coord() + shift)
    return chain


@pytest.fixture(scope="module")
def structure_pdb(tmp_path_factory):
    """PDB file (no HEADER line, as modelling tools write) with chains A (helix) and B."""
    from Bio.PDB import PDBIO
    from Bio.PDB.Model import Model
    from Bio.PDB.Structure import Structure
    s, m = Structure("toy"), Model(0)
    s.add(m)
    m.add(build_chain(HELIX, "A", -57.0, -47.0, 0.0))
    m.add(build_chain(EXTENDED, "B", -120.0, 130.0, 40.0))
    path = tmp_path_factory.mktemp("structs") / "toy.pdb"
    io = PDBIO()
    io.set_structure(s)
    io.save(str(path))
    return path


def _mkdssp(structure, tmp_path, *args):
    text = structure.read_text()
    inp = tmp_path / "with_header.pdb"
    header = "HEADER    DE NOVO PROTEIN" + " " * 25 + "01-JAN-00   1TOY" + " " * 14 + "\n"
    inp.write_text(header + text)
    out = tmp_path / ("out.cif" if "mmcif" in args else "out.dssp")
    subprocess.run([require_tool("mkdssp"), *args, str(inp), str(out)], check=True, capture_output=True)
    return out


def check_chains(recs):
    a, b = recs
    assert a.seq == HELIX and b.seq == EXTENDED
    assert a.ss8[0] == "C" and a.ss8[-1] == "C" and a.ss8[2:-2] == "H" * (len(HELIX) - 4)
    assert "H" not in b.ss8 and "E" not in b.ss8


@pytest.mark.usefixtures("needs_mkdssp")      # mkdssp (DSSP 4): skip locally, fail under CI
def test_classic_dssp_reader(structure_pdb, tmp_path):
    out = _mkdssp(structure_pdb, tmp_path, "--output-format", "dssp")
    assert detect_format(out) == "dssp"
    recs = read_corpus(out)
    assert [r.id for r in recs] == ["1toy_A", "1toy_B"]
    assert recs[0].meta == {"chain": "A", "breaks": 0}
    check_chains(recs)


@pytest.mark.usefixtures("needs_mkdssp")      # mkdssp (DSSP 4): skip locally, fail under CI
def test_mmcif_dssp_reader(structure_pdb, tmp_path):
    out = _mkdssp(structure_pdb, tmp_path, "--output-format", "mmcif", "--write-experimental")
    assert detect_format(out) == "dssp_mmcif"
    recs = read_corpus(out)
    assert [r.meta["chain"] for r in recs] == ["A", "B"]
    check_chains(recs)


def test_classic_dssp_reader_errors(tmp_path):
    p = tmp_path / "x.dssp"
    p.write_text("==== Secondary Structure Definition by the program DSSP\nno table\n")
    with pytest.raises(InvalidFileError, match="residue table"):
        read_corpus(p)
    p.write_text("==== Secondary Structure Definition by the program DSSP\n"
                 "  #  RESIDUE AA STRUCTURE BP1\n    1    1 A M\n")
    with pytest.raises(InvalidFileError, match="17 columns") as e:
        read_corpus(p)
    assert e.value.line == 3


@pytest.mark.usefixtures("needs_mkdssp")      # mkdssp (DSSP 4): skip locally, fail under CI
def test_chains_from_structures(structure_pdb, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(structure_pdb, d / "toy.pdb")
    (d / "broken.cif").write_text("data_x\nloop_\n_atom_site.id\n_atom_site.x\n1\n")
    (d / "empty.cif").write_text("data_empty\n_atom_site.id 1\n")
    (d / "notes.txt").write_text("not a structure")
    recs, skipped = chains_from_structures(d)
    assert [r.id for r in recs] == ["toy_A", "toy_B"]
    check_chains(recs)
    why = {s.file.rsplit("/", 1)[1]: s.reason for s in skipped if s.chain is None}
    assert sorted(why) == ["broken.cif", "empty.cif"]
    assert why["broken.cif"].startswith("mkdssp failed (exit 1)")
    assert "no residues" in why["empty.cif"]

    recs, skipped = chains_from_structures(d / "toy.pdb", chains=["B", "Z"], min_length=10)
    assert recs == []
    assert sorted((s.chain, s.reason.split()[0]) for s in skipped) == [("B", "6"), ("Z", "chain")]


def test_missing_mkdssp_is_tool_not_found(tmp_path):
    with pytest.raises(ToolNotFoundError, match="install DSSP"):
        find_mkdssp("surely-not-a-real-mkdssp")
    with pytest.raises(ToolNotFoundError):
        chains_from_structures(tmp_path, mkdssp="surely-not-a-real-mkdssp")
