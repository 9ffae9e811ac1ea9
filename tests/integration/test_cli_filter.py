"""``seqgsn data filter`` / ``seqgsn data split`` round trips on corpora the tests write.

The Biopython fallback (``--method align``) keeps these fast; one test runs the
MMseqs2 path when it is installed.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from seqgsn.cli import main
from seqgsn.io.store import load_corpus, save_corpus
from seqgsn.records import LabeledRecord
from tests.seqtools import mutate, random_protein




def write_fasta(path, items):
    path.write_text("".join(f">{i} some description\n{s[:70]}\n{s[70:]}\n" for i, s in items))
    return path


@pytest.fixture
def corpora(tmp_path):
    """train.fa (6 chains: 2 homologs of test A, 1 of test B, 1 exact duplicate, 2 unrelated)."""
    rng = np.random.default_rng(1)
    a, b = random_protein(rng, 150), random_protein(rng, 120)
    u1, u2 = random_protein(rng, 130), random_protein(rng, 110)
    train = [("hA1", mutate(rng, a, 0.2)), ("u1", u1), ("hA2", mutate(rng, a, 0.4)),
             ("u2", u2), ("u1copy", u1), ("hB", mutate(rng, b, 0.3))]
    return (write_fasta(tmp_path / "train.fa", train),
            write_fasta(tmp_path / "testA.fa", [("A", a)]),
            write_fasta(tmp_path / "testB.fa", [("B", b)]))


def run(args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res


@pytest.mark.parametrize("against_style", ["greedy", "repeated"])
def test_filter_round_trip(tmp_path, corpora, against_style):
    train, ta, tb = corpora
    out, rep = tmp_path / "kept.sgc", tmp_path / "report.json"
    against = (["--against", ta, tb] if against_style == "greedy"
               else ["--against", ta, "--against", tb])
    res = run(["data", "filter", train, *against, "--identity", "0.25", "--coverage", "0.5",
               "-o", out, "--json", rep, "--method", "align"])
    assert res.exit_code == 0, res.output
    assert [r.id for r in load_corpus(out)] == ["u1", "u2"]
    report = json.loads(rep.read_text())
    assert (report["input"], report["after_dedupe"], report["kept"], report["removed"]) == (6, 5, 2, 3)
    assert report["method"] == "align" and report["test_chains"] == 2
    assert (report["identity"], report["coverage"]) == (0.25, 0.5)
    assert report["duplicates"]["duplicates"] == [{"id": "u1copy", "same_as": "u1"}]
    rows = {d["train_id"]: d for d in report["removed_records"]}
    assert set(rows) == {"hA1", "hA2", "hB"}
    assert rows["hB"]["test_id"] == "B" and rows["hB"]["test_source"].endswith("testB.fa")
    assert rows["hA1"]["identity"] > rows["hA2"]["identity"] >= 0.25
    assert "3 removed" in res.output and "2 kept" in res.output


def test_filter_no_dedupe_and_labelled_store(tmp_path, corpora):
    """A labelled seqgsn corpus file keeps its labels through the filter."""
    train, ta, _ = corpora
    rng = np.random.default_rng(2)
    lines = ta.read_text().splitlines()
    a = lines[1] + lines[2]                        # test chain A (written on two lines)
    dup = random_protein(rng, 80)
    recs = [LabeledRecord("near", mutate(rng, a, 0.1), ss8="H" * len(a)),
            LabeledRecord("far", random_protein(rng, 100), ss8="E" * 100),
            LabeledRecord("far_dup", dup, ss8="C" * 80),
            LabeledRecord("far_dup2", dup, ss8="C" * 80)]
    src = tmp_path / "train.sgc"
    save_corpus(recs, src)
    out = tmp_path / "out.sgc"
    res = run(["data", "filter", src, "--against", ta, "-o", out, "--no-dedupe",
               "--method", "align"])
    assert res.exit_code == 0, res.output
    kept = load_corpus(out)
    assert [r.id for r in kept] == ["far", "far_dup", "far_dup2"]
    assert kept[0].ss8 == "E" * 100


@pytest.mark.slow
@pytest.mark.usefixtures("needs_mmseqs")
def test_filter_mmseqs_cli(tmp_path, corpora):
    train, ta, tb = corpora
    out, rep = tmp_path / "kept.sgc", tmp_path / "r.json"
    res = run(["data", "filter", train, "--against", ta, tb, "-o", out, "--json", rep])
    assert res.exit_code == 0, res.output
    report = json.loads(rep.read_text())
    assert report["method"] == "mmseqs" and report["prefilter"] == "both"
    assert [r.id for r in load_corpus(out)] == ["u1", "u2"]


def test_filter_errors_are_clean(tmp_path, corpora):
    train, ta, _ = corpora
    out = tmp_path / "o.sgc"
    res = run(["data", "filter", train, "--against", tmp_path / "missing.fa", "-o", out])
    assert res.exit_code == 2 and "missing.fa" in res.output and "Traceback" not in res.output
    res = run(["data", "filter", train, "--against", ta, "-o", out, "--identity", "25"])
    assert res.exit_code == 2 and "'--identity': 25.0 is not in the range 0<x<=1" in res.output
    res = run(["data", "filter", train, "-o", out])
    assert res.exit_code == 2 and "--against" in res.output
    assert not out.exists()


def test_split_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    recs, family = [], {}
    for f in range(3):
        root = random_protein(rng, 100)
        for k in range(4):
            recs.append(LabeledRecord(f"f{f}_{k}", mutate(rng, root, 0.1)))
            family[f"f{f}_{k}"] = f
    for k in range(8):
        recs.append(LabeledRecord(f"s{k}", random_protein(rng, 80)))
        family[f"s{k}"] = 10 + k
    src = tmp_path / "all.sgc"
    save_corpus(recs, src)
    outdir = tmp_path / "split"
    args = ["data", "split", src, "-o", outdir, "--val-fraction", "0.25", "--seed", "3",
            "--identity", "0.5", "--method", "align"]
    res = run(args)
    assert res.exit_code == 0, res.output
    train = load_corpus(outdir / "train.sgc")
    val = load_corpus(outdir / "val.sgc")
    summary = json.loads((outdir / "split.json").read_text())
    assert len(train) + len(val) == 20 and 1 <= len(val) <= 5
    assert {family[r.id] for r in train}.isdisjoint({family[r.id] for r in val})
    assert summary["clusters"] == 11 and summary["val"] == len(val)
    assert summary["val_ids"] == [r.id for r in val]
    res = run(args)                                        # same seed, same split
    assert json.loads((outdir / "split.json").read_text())["val_ids"] == summary["val_ids"]
