"""Train a tiny config on a slice of the real SCRATCH-1D corpus, then evaluate on CB513, via the CLI."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.conftest import require_shared

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "configs" / "tiny.yaml"
CB513 = "prottrans_netsurfp2_csv/CB513_HHblits.csv"


def _seqgsn(*args, **kw):
    return subprocess.run([sys.executable, "-m", "seqgsn", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, **kw)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    require_shared()
    run = tmp_path_factory.mktemp("tiny") / "run"
    r = _seqgsn("train", "--config", TINY, "--run-dir", run)
    assert r.returncode == 0, r.stderr
    return run


def test_train_writes_config_metrics_and_model(tiny_run):
    assert (tiny_run / "config.yaml").exists()
    rows = [json.loads(x) for x in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all("val_q8" in r for r in rows)
    assert (tiny_run / "model.pt").stat().st_size > 0


def test_train_draws_learning_curves_when_matplotlib_is_installed(tiny_run):
    pytest.importorskip("matplotlib")
    assert (tiny_run / "learning_curves.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "learning curves: " in (tiny_run / "log.txt").read_text()


def test_evaluate_cb513_json(tiny_run, shared_data, tmp_path):
    out = tmp_path / "m.json"
    r = _seqgsn("evaluate", "--model", tiny_run / "model.pt", "--data", shared_data / CB513, "--json", out)
    assert r.returncode == 0, r.stderr
    m = json.loads(out.read_text())
    for k in ("q8", "q3", "sov3", "n_chains", "n_residues", "per_class"):
        assert k in m
    assert m["n_residues"] == 83427          # the standard CB513 evaluation mask
    assert 0.0 < m["q8"] <= m["q3"] <= 1.0   # 3-state is never harder than 8-state
    assert "Q8" in r.stdout


def test_evaluate_bad_model_is_a_clean_error(tmp_path, shared_data):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    r = _seqgsn("evaluate", "--model", bad, "--data", shared_data / CB513)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "bad.pt" in r.stderr


@pytest.mark.parametrize("option,path,problem", [
    ("--json", "nodir/x.json", "the directory {d}/nodir does not exist"),
    ("--residues", "nodir/r.tsv", "the directory {d}/nodir does not exist"),
    ("--report", "afile/rep", "{d}/afile is a file, not a directory"),
    ("--report", "nodir/r.html", "the directory {d}/nodir does not exist"),
])
def test_evaluate_refuses_unwritable_outputs_before_any_work(tmp_path, shared_data, option, path, problem):
    # these were written after the whole evaluation, failing on atomic_write's temporary file; a broken
    # model shows the check now comes before loading anything
    (tmp_path / "afile").write_text("x")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    r = _seqgsn("evaluate", "--model", bad, "--data", shared_data / CB513, option, tmp_path / path)
    assert r.returncode == 2, r.stderr
    assert f"cannot write the {option} " in r.stderr and str(tmp_path / path) in r.stderr
    assert problem.format(d=tmp_path) in r.stderr
    assert ".tmp" not in r.stderr and "bad.pt" not in r.stderr and "Traceback" not in r.stderr


def test_a_missing_compare_model_is_named_before_any_work(tmp_path, shared_data):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")                   # loading it would fail first if the check came later
    r = _seqgsn("evaluate", "--model", bad, "--data", shared_data / CB513, "--compare-model", tmp_path / "no.pt")
    assert r.returncode == 2 and "no.pt: model file not found (--compare-model)" in r.stderr, r.stderr
    assert "bad.pt" not in r.stderr


def test_kill_9_then_resume_gives_identical_weights(tmp_path, shared_data):
    cfg = tmp_path / "k.yaml"
    cfg.write_text(TINY.read_text().replace("epochs: 2", "epochs: 4").replace("checkpoint_every: 5",
                                                                             "checkpoint_every: 3"))
    ref = tmp_path / "ref"
    r = _seqgsn("train", "--config", cfg, "--run-dir", ref)
    assert r.returncode == 0, r.stderr
    run = tmp_path / "killed"
    p = subprocess.Popen([sys.executable, "-m", "seqgsn", "train", "--config", cfg, "--run-dir", run],
                         cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (run / "state.pt").exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    if p.returncode != -signal.SIGKILL:
        pytest.skip("run finished before it could be killed")
    r = _seqgsn("train", "--resume", run)
    assert r.returncode == 0, r.stderr
    a = torch.load(ref / "state.pt", weights_only=True)
    b = torch.load(run / "state.pt", weights_only=True)
    assert a["global_step"] == b["global_step"]
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_evaluating_flips_whole_splits_zip_says_it_mixes_train_and_test(tmp_path, shared_data):
    zip_ = shared_data / "flip_secondary_structure" / "splits.zip"
    whole = _seqgsn("evaluate", "--data", zip_, "--max-chains", 2, "--threads", 1)
    test = _seqgsn("evaluate", "--data", f"{zip_}?split=test", "--max-chains", 2, "--threads", 1)
    assert whole.returncode == 0 and test.returncode == 0, whole.stderr + test.stderr
    assert "read whole (split=all: train, val and test" in whole.stderr and "?split=test" in whole.stderr
    assert "read whole" not in test.stderr
