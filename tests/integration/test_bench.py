"""scripts/bench.py: a smoke run on a handful of sequences (no peer), and its parsing/measuring helpers."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from seqgsn.records import LabeledRecord

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "scripts" / "bench.py"
SEQS = {"a": "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "b": "GSHMLEDPVDAFQAAKSWLDKN",
        "c": "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG",
        "d": "ACDEFGHIKLMNPQRSTVWYX", "e": "PEPTIDEPEPTIDEPEPTIDE"}


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("seqgsn_bench", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_smoke_run_no_peer_writes_json(tiny_model_file, tmp_path):
    fa = tmp_path / "few.fasta"
    fa.write_text("".join(f">{k} some description\n{v}\n" for k, v in SEQS.items()))
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(BENCH), "--model", str(tiny_model_file), "--fasta", str(fa),
                        "--repeats", "1", "--threads", "1", "--no-peer", "--train-steps", "0",
                        "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res["input"] == {"name": str(fa), "chains": 5, "residues": sum(map(len, SEQS.values()))}
    ours = res["seqgsn"]
    assert len(ours["runs"]) == 1 and ours["runs"][0]["rc"] == 0
    assert ours["residues_per_s"] > 0 and ours["residues_per_cpu_s"] > 0 and ours["max_rss_mb"] > 0
    assert ours["q3"] is None                                  # unlabelled input: no accuracy context
    assert res["peer"] == {"skipped": "--no-peer"} and "ratio_seqgsn_over_peer" not in res
    assert res["in_process"]["residues_per_s"] > 0 and res["in_process"]["torch_threads"] == 1
    assert "train" not in res
    assert res["machine"]["cpu_count"] >= 1 and res["machine"]["torch"]
    assert "--threads 1" in res["seqgsn_cmd"] and "predict" in res["seqgsn_cmd"]
    assert "seqgsn predict" in r.stdout and "residues/s" in r.stdout


def test_missing_model_is_a_clean_error(tmp_path):
    r = subprocess.run([sys.executable, str(BENCH), "--model", str(tmp_path / "none.pt"), "--no-peer"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


def test_find_peer_order(bench, tmp_path, monkeypatch):
    fake = tmp_path / "dssp-fasta"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.delenv("SEQGSN_PEER", raising=False)
    assert bench.find_peer(str(tmp_path / "absent")) == (None, str(tmp_path / "absent"))
    assert bench.find_peer(str(fake))[0] == str(fake)
    monkeypatch.setenv("SEQGSN_PEER", str(fake))
    assert bench.find_peer(None)[0] == str(fake)              # env var when no --peer-cmd


def test_output_parsers_and_q3(bench, tmp_path):
    rec = LabeledRecord("r1", "ACDEF", ss8="HGEBC", mask=np.array([1, 1, 1, 1, 0], bool))
    peer = tmp_path / "peer.csv"
    # dssp-fasta's layout: id, then one float class per residue (0 helix, 1 strand, 2 coil)
    peer.write_text("r1, 0.000, 0.000, 1.000, 2.000, 0.000\n")
    assert bench.read_peer_csv(peer) == {"r1": "HHECH"}
    ours = tmp_path / "ours.fasta"
    ours.write_text(">r1 desc\nACDEF\nHHEEC\n")
    assert bench.read_seqgsn_fasta(ours) == {"r1": "HHEEC"}
    # truth 3-state HHEE(C masked): peer right on H,H,E = 3/4; ours right on all 4 evaluated
    assert bench.q3([rec], bench.read_peer_csv(peer)) == 0.75
    assert bench.q3([rec], bench.read_seqgsn_fasta(ours)) == 1.0
    assert bench.q3([replace(rec, ss8=None)], {"r1": "HHEEC"}) is None


def test_train_throughput_counts_real_residues(bench, tiny_cfg):
    from seqgsn.data.batches import make_example
    from seqgsn.data.features import FeatureSpec
    rng = np.random.default_rng(0)
    recs = [LabeledRecord(k, v, ss8="".join(rng.choice(list("HGIEBTSC"), len(v))))
            for k, v in SEQS.items()]
    ex = [make_example(r, FeatureSpec(0)) for r in recs]
    # one batch holds every chain (batch_residues >> 5 x 76), so each step sees all residues
    res = bench.train_throughput(tiny_cfg, ex, steps=2, warmup=1)
    assert res["steps"] == 2 and res["residues"] == 2 * sum(map(len, SEQS.values()))
    assert res["residues_per_s"] > 0 and res["residues_per_cpu_s"] > 0
    assert res["chains"] == 5 and res["model_params"] > 0


def test_cb513_first_chains(bench, shared_data):
    recs = bench.load_records(limit=3)
    assert len(recs) == 3 and all(r.ss8 is not None and len(r.ss8) == len(r.seq) for r in recs)
