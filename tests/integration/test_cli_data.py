"""`seqgsn data import | stats | from-structures` end to end (click CliRunner)."""
from __future__ import annotations

import json
import warnings

import pytest
from click.testing import CliRunner

from seqgsn.cli import main
from tests.conftest import require_shared


def run(*args):
    r = CliRunner().invoke(main, ["data", *map(str, args)])
    assert "Traceback" not in r.output + r.stderr
    return r


@pytest.fixture
def scratch(tmp_path):
    d = tmp_path / "scratch"
    d.mkdir()
    (d / "Proteins.fa").write_text(">pdb,1abc,A,#1\nMKVLA\n>pdb,2xyz,B,#1\nGSWY\n")
    (d / "SSpro8.dssp").write_text(">pdb,1abc,A,#1\nCHHHC\n>pdb,2xyz,B,#1\nEETS\n")
    return d


def test_import_then_stats(scratch, tmp_path):
    out = tmp_path / "c.seqgsn"
    r = run("import", scratch, "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "imported 2 chains, 9 residues (scratch1d)" in r.stderr
    r = run("stats", out, "--json")
    st = json.loads(r.stdout)
    assert (st["format"], st["chains"], st["residues"]) == ("store", 2, 9)
    assert st["evaluated_residues"] == 9
    assert st["length"] == {"min": 4, "median": 4.5, "max": 5}
    assert st["ss8_freq"]["H"] == pytest.approx(3 / 9)
    assert st["ss3_freq"]["E"] == pytest.approx(2 / 9)
    r = run("stats", scratch, "--format", "scratch1d")
    assert r.exit_code == 0 and "chains     2" in r.stdout and "8-state    H 0.333" in r.stdout


def test_broken_input_is_one_clean_line(scratch, tmp_path):
    p = scratch / "Proteins.fa"
    p.write_text(p.read_text().replace("GSWY", "GS%Y"))
    r = run("stats", scratch)
    assert r.exit_code == 2
    assert "Proteins.fa" in r.stderr and "line 4" in r.stderr and "'%'" in r.stderr
    r = run("import", scratch, "-o", tmp_path / "x", "--format", "nope")
    assert r.exit_code == 2 and "unknown corpus format" in r.stderr
    assert not (tmp_path / "x").exists()
    bad = tmp_path / "bad.seqgsn"
    bad.write_bytes(b"\x89SEQGSN-CORPUS\r\n" + b"\0" * 60)
    r = run("stats", bad)
    assert r.exit_code == 2 and "bad.seqgsn: checksum mismatch" in r.stderr


def helix_pdb(path):
    from Bio.PDB import PDBIO
    from Bio.PDB.PICIO import read_PIC_seq
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = read_PIC_seq(SeqRecord(Seq("AEAAAKEAAAKEAAAKAAKA"), id="A", description=""))
        s.internal_to_atom_coordinates()
        for res in s.get_residues():
            for name, val in (("phi", -57.0), ("psi", -47.0), ("omega", 180.0)):
                if res.internal_coord.get_angle(name) is not None:
                    res.internal_coord.set_angle(name, val)
        s.internal_to_atom_coordinates()
    io = PDBIO()
    io.set_structure(s)
    io.save(str(path))


@pytest.mark.usefixtures("needs_mkdssp")
def test_from_structures(tmp_path):
    d = tmp_path / "structs"
    d.mkdir()
    helix_pdb(d / "h1.pdb")
    out = tmp_path / "s.seqgsn"
    r = run("from-structures", d, "-o", out, "--min-length", "5")
    assert r.exit_code == 0, r.stderr
    assert "wrote 1 chains (20 residues)" in r.stderr
    st = json.loads(run("stats", out, "--json").stdout)
    assert st["chains"] == 1
    assert st["ss8_freq"]["H"] == pytest.approx(18 / 20)    # all but the two ends
    r = run("from-structures", d, "-o", tmp_path / "none", "--chains", "Z")
    assert r.exit_code == 2 and "skipped" in r.stderr and "chain Z" in r.stderr
    assert "nothing written" in r.stderr
    assert not (tmp_path / "none").exists()


def test_from_structures_without_mkdssp(tmp_path):
    r = run("from-structures", tmp_path, "-o", tmp_path / "o", "--mkdssp", "no-such-mkdssp")
    assert r.exit_code == 2 and "not found" in r.stderr and "install DSSP" in r.stderr


def test_shared_scratch_and_flip_counts(tmp_path):
    root = require_shared("scratch1d_sspro").parent
    out = tmp_path / "scratch.seqgsn"
    assert run("import", root / "scratch1d_sspro", "-o", out).exit_code == 0
    st = json.loads(run("stats", out, "--json").stdout)
    assert (st["chains"], st["residues"]) == (5772, 1031455)
    st = json.loads(run("stats", root / "flip_secondary_structure/splits.zip", "--split", "test",
                        "--json").stdout)
    assert (st["chains"], st["residues"], st["evaluated_residues"]) == (364, 84541, 75402)


def test_stats_of_several_corpora_counts_twins(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("pdb_id,chain_code,seq,sst8\n1ABC,A,MKVLAGHHWYTRESDKLMNPQ,CHHHHHHHHHHHCCEEEEECC\n"
                 "2XYZ,B,GSWYTREKLMNHHAACDE,CEEEECCHHHHHHHHCCC\n")
    c = tmp_path / "c.csv"
    c.write_text("id,len,input,expected\n1,21,MKVLAGHHWYTRESDKLMNPQ,LHHHHHHHHHHHLLEEEEELL\n2,5,AAAAA,LLLLL\n")
    r = run("stats", p, c, "--dedupe")
    assert r.exit_code == 0, r.stderr
    assert "source     " + str(c) + " (cb6133_csv)" in r.stdout
    assert "4 chains -> 3 kept (1 identical, 0 near-identical removed)" in r.stdout
    assert f"{c}: 2 -> 1 kept (1 identical, 0 near-identical removed; merged 1 into {p})" in r.stdout
    d = json.loads(run("stats", c, p, "--dedupe", "--identical-only", "--json").stdout)
    assert [s["chains"] for s in d["sources"]] == [2, 2] and d["dedupe"]["near"] is False
    assert [x["kept"] for x in d["dedupe"]["corpora"]] == [2, 1]          # c given first: its copy is kept
    assert run("stats").exit_code == 2


def test_stats_of_a_config_is_the_training_set_assembly(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(">x\nMKVLAGHHWYTRESDKLMNPQ\nCHHHHHHHHHHHCCEEEEECC\n>y\nGSWYTREKLMNHHAACDE\nCEEEECCHHHHHHHHCCC\n")
    b.write_text(">z\nMKVLAGHHWYTRESDKLMNPQ\nLLLLLLLLLLLLLLLLLLLLL\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  train: ['{a}', '{b}']\n  train_formats: [three_line, three_line]\n"
                   f"  filter_against: []\n  val_fraction: 0.0\n  cache_dir: '{tmp_path / 'cache'}'\n")
    r = run("stats", "--config", cfg)
    assert r.exit_code == 0, r.stderr
    rows = {ln.split()[0]: ln.split()[1:] for ln in r.stdout.splitlines()[3:5]}
    assert rows[str(a)] == ["2", "0", "2", "39", "2", "0", "0", "2", "39"]
    assert rows[str(b)] == ["1", "0", "1", "21", "1", "1", "0", "0", "0"]
    assert "split      train 2 chains / 39 residues" in r.stdout
    assert run("stats", a, "--config", cfg).exit_code == 2


def test_unwritable_outputs_are_refused_before_any_reading(scratch, tmp_path):
    # the output was only tried after the whole import, and the error named atomic_write's temporary
    # file (".a.sgc.xxxx.tmp: No such file or directory"); now: the path as given, before reading SRC
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = tmp_path / "newdir" / "sub" / "a.sgc"
    r = run("import", scratch, "-o", out)
    assert r.exit_code == 2
    assert f"cannot write the corpus file {out}: the directory {out.parent} does not exist" in r.stderr
    assert ".tmp" not in r.stderr and "import: reading" not in r.stderr
    missing_src = tmp_path / "no-such-corpus.txt"      # read first, it would be the error named
    for args, named in (
            (("filter", missing_src, "--against", missing_src, "-o", out), f"corpus file {out}"),
            (("filter", missing_src, "--against", missing_src, "-o", tmp_path / "k.sgc", "--json",
              tmp_path / "nodir" / "r.json"), f"--json report {tmp_path / 'nodir' / 'r.json'}"),
            (("split", missing_src, "-o", blocker / "split"),
             f"output folder {blocker / 'split'}: {blocker} is a file"),
            (("from-structures", tmp_path, "-o", out, "--mkdssp", "no-such-mkdssp"), f"corpus file {out}")):
        r = run(*args)
        assert r.exit_code == 2 and f"cannot write the {named}" in r.stderr, (args, r.stderr)
        assert "no-such" not in r.stderr
    assert not out.parent.exists() and not (tmp_path / "k.sgc").exists()


def test_outputs_that_would_destroy_an_input_are_refused(scratch, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(">a\nMKTAYIAKQR\nCCHHHHHHCC\n>b\nMKVLAAGGTT\nCCEEEECCTT\n")
    before = corpus.read_bytes()
    (tmp_path / "sp").mkdir()
    inside = tmp_path / "sp" / "train.sgc"
    assert run("import", corpus, "-o", inside).exit_code == 0
    for args, named in (
            (("import", corpus, "-o", corpus), "the corpus file"),
            (("filter", corpus, "--against", scratch, "-o", corpus), "the corpus file"),
            (("filter", scratch, "--against", corpus, "-o", tmp_path / "k.sgc", "--json", corpus), "--json report"),
            (("split", inside, "-o", tmp_path / "sp"), "the output folder"),
            (("import", corpus, "-o", tmp_path / "x.sgc.gz"), "written as plain data, not .gz")):
        r = run(*args)
        assert r.exit_code == 2 and named in r.stderr, (args, r.stderr)
    assert corpus.read_bytes() == before and not (tmp_path / "k.sgc").exists()


def test_stats_and_import_take_reader_options_and_data_root_names(tmp_path):
    require_shared("flip_secondary_structure")
    st = json.loads(run("stats", "flip_secondary_structure/splits.zip?split=test", "--json").stdout)
    assert (st["chains"], st["evaluated_residues"]) == (364, 75402)
    out = tmp_path / "t.sgc"
    assert run("import", "flip_secondary_structure/splits.zip?split=test", "-o", out).exit_code == 0
    assert json.loads(run("stats", out, "--json").stdout)["chains"] == 364
    r = run("stats", "flip_secondary_structure/splits.zip?split=test", "--split", "val")
    assert r.exit_code == 2 and "name different splits" in r.output + r.stderr
