"""scripts/package_model.py: the packaged model keeps the run's CRF record and chain settings."""
import json
import subprocess
import sys
from pathlib import Path

import torch

from seqgsn.model.checkpoint import load_model_file, read_dict, save_dict

REPO = Path(__file__).resolve().parents[2]


def test_package_keeps_pairwise_metrics_and_refuses_other_chain_settings(tmp_path, tiny_pairwise_model_file):
    run = tmp_path / "run"
    run.mkdir()
    d = read_dict(tiny_pairwise_model_file)
    d["metrics"] = {"pairwise": {"crf_nll_start": 0.8, "crf_nll_end": 0.5, "unary_scale": 0.4,
                                 "matched_nll_end": 0.45, "pairwise_chains": 7, "pairwise_residues": 700,
                                 "pairwise_steps": 2, "val_segment_w1": {"H": 1.0, "E": 0.3}}}
    d["meta"] = {"training_data": {"corpora": []}}
    save_dict(run / "model.pt", d)
    (run / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "val_q8": 0.5, "val_q3": 0.6, "minutes": 1.0}) + "\n")
    ch = d["config"]["chain"]
    cb = tmp_path / "cb513.json"
    cb.write_text(json.dumps({"q8": 0.5, "q3": 0.6, "sov3": 0.55, "n_chains": 509, "n_residues": 83427,
                              "calibration": {"ece8": 0.05, "brier8": 0.6}, "data": "/d/CB513_HHblits.csv",
                              "max_chains": None, "chain": {"steps": ch["steps"], "burn_in": ch["burn_in"]}}))
    nw = tmp_path / "new364.json"
    nw.write_text(json.dumps({"q8": None, "q3": 0.7123, "sov3": 0.65, "n_chains": 364, "n_residues": 75402}))
    out = tmp_path / "pkg"
    cmd = [sys.executable, str(REPO / "scripts" / "package_model.py"), "--run", str(run), "--cb513", str(cb),
           "--new364", str(nw), "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    model, cfg, info = load_model_file(out / "default.pt")
    assert info["metrics"]["pairwise"]["crf_nll_end"] == 0.5 and info["metrics"]["cb513"]["q8"] == 0.5
    assert cfg.chain.sampler == "crf" and torch.equal(model.pairwise, d["state_dict"]["pairwise"])
    card = (out / "MODEL_CARD.md").read_text()
    assert "CRF sampler" in card and "0.4500" in card and "H 1.000" in card
    assert "509 chains / 83427 residues" in card and "Not all of CB513" not in card
    assert "not in this model: tianchi2020" in card     # the run read no corpus, so every one is listed
    assert "NEW364" in card and "Q3 71.23" in card and info["metrics"]["new364"]["q3"] == 0.7123
    r = subprocess.run(cmd + ["--steps", str(ch["steps"] + 1)], capture_output=True, text=True)
    assert r.returncode != 0 and "evaluate with the shipped settings" in r.stderr


def _run_dir(tmp_path, model_file) -> tuple:
    run = tmp_path / "run"
    run.mkdir()
    d = read_dict(model_file)
    d["meta"] = {"training_data": {"corpora": []}}
    save_dict(run / "model.pt", d)
    return run, d["config"]["chain"]


def test_a_cb513_json_of_other_data_or_a_subset_is_refused_unless_allowed(tmp_path, tiny_model_file):
    """An 8-chain JSON once went into the card as "CB513": the JSON must say it scored all of CB513."""
    run, ch = _run_dir(tmp_path, tiny_model_file)
    base = {"q8": 0.5, "q3": 0.6, "sov3": 0.55, "n_residues": 900,
            "chain": {"steps": ch["steps"], "burn_in": ch["burn_in"]}}
    cmd = [sys.executable, str(REPO / "scripts" / "package_model.py"), "--run", str(run), "--out", str(tmp_path / "pkg")]
    for i, (extra, why) in enumerate([({"data": "data/examples/toy_test.txt", "max_chains": None, "n_chains": 8},
                                       "scored data/examples/toy_test.txt, not a CB513 file"),
                                      ({"data": "/d/CB513_HHblits.csv", "max_chains": 8, "n_chains": 8},
                                       "scored only the first 8 chains"),
                                      ({"n_chains": 8}, "does not say which data it scored")]):
        cb = tmp_path / f"cb{i}.json"
        cb.write_text(json.dumps({**base, **extra}))
        r = subprocess.run(cmd + ["--cb513", str(cb)], capture_output=True, text=True)
        assert r.returncode == 2 and why in r.stderr and "--allow-cb513-subset" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and not (tmp_path / "pkg").exists()
    r = subprocess.run(cmd + ["--cb513", str(tmp_path / "cb1.json"), "--allow-cb513-subset"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    card = (tmp_path / "pkg" / "MODEL_CARD.md").read_text()
    assert "8 chains / 900 residues" in card and "**Not all of CB513**: the GSN row scored only the first 8" in card


def test_help_describes_the_script_and_missing_inputs_are_one_line(tmp_path):
    script = str(REPO / "scripts" / "package_model.py")
    r = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "Package a trained run as the bundled default model" in r.stdout
    r = subprocess.run([sys.executable, script, "--run", str(tmp_path), "--cb513", str(tmp_path / "none.json")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "none.json" in r.stderr and "Traceback" not in r.stderr
