"""Fitting the CRF reconstruction after walkback (seqgsn.chain.crf_fit) and its place in training."""
from dataclasses import replace

import numpy as np
import torch

from seqgsn.chain.crf_fit import fit_pairwise
from seqgsn.config import config_from_dict
from seqgsn.data.batches import Example
from seqgsn.model.checkpoint import load_model_file
from seqgsn.model.gsn import SeqGSN
from seqgsn.training.trainer import Trainer
from tests.conftest import TINY_MODEL


def _segment_examples(n, seed):
    # Synthetic chains whose labels come in runs of 4-9 residues (mechanics only, no accuracy
    # claims): an untrained network cannot see the runs, so only pairwise terms can model them.
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        labs = []
        while len(labs) < 40:
            labs += [int(rng.integers(0, 8))] * int(rng.integers(4, 10))
        y = np.array(labs[:40], np.int64)
        y3 = np.full(40, -1, np.int64)
        if i % 2:                          # half the chains carry only 3-state labels
            y3 = np.array([0, 0, 0, 1, 1, 2, 2, 2])[y]
            y = np.full(40, -1, np.int64)
        out.append(Example(f"s{i}", rng.integers(0, 20, 40).astype(np.int64), y, y3, None))
    return out


def _cfg(**train):
    d = {**TINY_MODEL, "model": {**TINY_MODEL["model"], "label_pairwise": True},
         "chain": {**TINY_MODEL["chain"], "sampler": "crf"},
         "train": {"epochs": 1, "batch_residues": 400, "log_every": 0, "checkpoint_every": 0,
                   "threads": 1, "walkback": 2, "pairwise_iters": 15, **train}}
    return config_from_dict(d)


def test_fit_lowers_the_sequence_nll_and_is_deterministic():
    cfg = _cfg()
    ex = _segment_examples(12, 0)
    fits = []
    for _ in range(2):
        torch.manual_seed(0)
        m = SeqGSN(cfg.model)
        res = fit_pairwise(m, ex, cfg.chain, iters=15, lr=0.1, log=lambda s: None)
        fits.append((m.pairwise.detach().clone(), res))
    (t1, r1), (t2, r2) = fits
    assert torch.equal(t1, t2) and r1 == r2
    assert r1["crf_nll_end"] < r1["crf_nll_start"] - 0.1
    assert (torch.diagonal(t1) > 0).all()       # runs: staying in a class is favoured
    assert r1["pairwise_residues"] == 12 * 40


def test_training_fits_pairwise_terms_into_the_saved_model(tmp_path):
    cfg = _cfg()
    tr = Trainer(cfg, tmp_path, _segment_examples(30, 1), _segment_examples(8, 2), log=lambda m: None)
    summary = tr.fit()
    model, cfg2, d = load_model_file(tmp_path / "model.pt")
    assert cfg2 == cfg and d["metrics"]["pairwise"] == summary["pairwise"]
    assert model.pairwise.abs().sum() > 0
    # walkback leaves the CRF's parameters alone: only the fit stage sets them
    assert all(id(p) not in {id(q) for g in tr.opt.param_groups for q in g["params"]}
               for p in tr.model.structured_params())
    # rerunning the stage (e.g. after a resume) gives the same model
    tr.fit_structured()
    again, _, _ = load_model_file(tmp_path / "model.pt")
    assert torch.equal(again.pairwise, model.pairwise)


def test_a_finished_run_resumes_with_new_crf_stage_settings_only(tmp_path):
    import pytest
    from seqgsn.errors import CheckpointError
    cfg = _cfg()
    train, val = _segment_examples(20, 3), _segment_examples(6, 4)
    Trainer(cfg, tmp_path, train, val, log=lambda m: None).fit()
    before, _, _ = load_model_file(tmp_path / "model.pt")
    # durations and stage settings may change: the walkback weights stay, the CRF is refitted
    cfg2 = replace(cfg, model=replace(cfg.model, crf_durations=(3, 1, 1, 2, 1, 1, 1, 1)),
                   train=replace(cfg.train, pairwise_iters=5))
    tr = Trainer(cfg2, tmp_path, train, val, log=lambda m: None)
    summary = tr.fit(resume=True)
    after, cfg_after, d = load_model_file(tmp_path / "model.pt")
    assert cfg_after == cfg2 and summary["epochs_run"] == 1 and d["metrics"]["pairwise"]["pairwise_iters"] == 5
    assert after.early_exit.shape == (8, 3)
    assert torch.equal(after.backbone.embed.weight, before.backbone.embed.weight)
    # anything that shapes the walkback itself may not change
    bad = replace(cfg, train=replace(cfg.train, lr=1e-4))
    with pytest.raises(CheckpointError, match="config differs"):
        Trainer(bad, tmp_path, train, val, log=lambda m: None).fit(resume=True)


def test_resuming_for_calibration_keeps_an_already_fitted_crf(tmp_path):
    cfg = _cfg()
    train, val = _segment_examples(20, 5), _segment_examples(6, 6)
    Trainer(cfg, tmp_path, train, val, log=lambda m: None).fit()
    before, _, d0 = load_model_file(tmp_path / "model.pt")
    logs = []
    cfg2 = replace(cfg, train=replace(cfg.train, calibrate=True))
    Trainer(cfg2, tmp_path, train, val, log=logs.append).fit(resume=True)
    after, cfg_after, d = load_model_file(tmp_path / "model.pt")
    assert any("already has a CRF" in m for m in logs)
    assert torch.equal(after.pairwise, before.pairwise) and d["metrics"]["pairwise"] == d0["metrics"]["pairwise"]
    assert "calibration" in d["metrics"] and cfg_after.chain.temperature == d["metrics"]["calibration"]["temperature"]
