"""Trainer: walkback loss decreases, resume replays exactly, checkpoints are loadable."""
from dataclasses import replace

import numpy as np
import torch

from seqgsn.config import config_from_dict
from seqgsn.data.batches import Example
from seqgsn.model.checkpoint import load_model_file
from seqgsn.training.trainer import Trainer
from tests.conftest import TINY_MODEL


def _examples(n, seed):
    # Synthetic chains whose label is a deterministic function of the residue window:
    # learnable, so the loss must fall. (Mechanics test only; no accuracy claims.)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        L = int(rng.integers(20, 60))
        t = rng.integers(0, 20, L)
        y = (t + np.roll(t, 1)) % 8
        out.append(Example(f"s{i}", t.astype(np.int64), y.astype(np.int64), np.full(L, -1), None))
    return out


def _cfg(**train):
    d = {**TINY_MODEL, "train": {"epochs": 3, "batch_residues": 400, "log_every": 0,
                                 "checkpoint_every": 4, "threads": 1, "walkback": 2, **train}}
    return config_from_dict(d)


def test_loss_falls_and_best_model_is_saved(tmp_path):
    cfg = _cfg(epochs=6, lr=5e-3)
    tr = Trainer(cfg, tmp_path, _examples(40, 0), _examples(8, 1), log=lambda m: None)
    tr.fit()
    losses = [h["train_loss"] for h in tr.history]
    assert losses[-1] < losses[0]
    model, cfg2, d = load_model_file(tmp_path / "model.pt")
    assert cfg2 == cfg and "val_q8" in d["metrics"]
    assert (tmp_path / "config.yaml").exists() and (tmp_path / "metrics.jsonl").exists()


def test_resume_gives_bit_identical_weights(tmp_path):
    cfg = _cfg(epochs=2)
    train, val = _examples(30, 0), _examples(6, 1)
    full = Trainer(cfg, tmp_path / "a", train, val, log=lambda m: None)
    full.fit()
    # interrupted run: stop after a mid-epoch checkpoint, then resume in a fresh Trainer
    part = Trainer(replace(cfg, train=replace(cfg.train, epochs=2)), tmp_path / "b", train, val,
                   log=lambda m: None)
    part.total_steps = full.total_steps
    orig_save = part.save_state
    calls = {"n": 0}

    class Killed(Exception):
        pass

    def save_then_die():
        orig_save()
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
    part.save_state = save_then_die
    try:
        part.fit()
    except Killed:
        pass
    assert 0 < part.global_step < full.global_step
    resumed = Trainer(cfg, tmp_path / "b", train, val, log=lambda m: None)
    resumed.fit(resume=True)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.global_step == full.global_step


def test_hybrid_cost_uses_unlabelled_chains(tmp_path):
    d = {**TINY_MODEL, "model": {**TINY_MODEL["model"], "x_corruption_p": 0.3},
         "train": {"epochs": 1, "batch_residues": 400, "log_every": 0, "checkpoint_every": 0, "threads": 1,
                   "walkback": 2, "hybrid_lambda": 0.5}}
    cfg = config_from_dict(d)
    unl = [Example(e.id + "u", e.tokens, np.full(len(e), -1), np.full(len(e), -1), None)
           for e in _examples(10, 3)]
    tr = Trainer(cfg, tmp_path, [], [], unlabeled=unl, log=lambda m: None)
    batch = next(iter(__import__("seqgsn.data.batches", fromlist=["x"]).iterate_batches(
        unl, 400, 0, np.random.default_rng(0))))
    loss, parts = tr.loss(batch, torch.Generator().manual_seed(0))
    assert parts["sup"] == 0.0 and parts["unsup"] > 0
    loss.backward()
    assert tr.model.x_out.weight.grad.abs().sum() > 0          # x is reconstructed
    assert tr.model.backbone.embed.weight.grad.abs().sum() > 0  # and it trains the shared pathway


def test_bf16_training_step_is_finite_and_reaches_every_parameter(tmp_path):
    cfg = _cfg(precision="bf16")
    tr = Trainer(cfg, tmp_path, _examples(6, 0), [], log=lambda m: None)
    from seqgsn.data.batches import collate
    batch = collate(tr.train_ex)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _ = tr.loss(batch, torch.Generator().manual_seed(0))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    unused = {"x_out.weight", "x_out.bias"}  # hybrid head: only the x-term reaches it
    for name, p in tr.model.named_parameters():
        if name in unused:
            continue
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.dtype == torch.float32, name   # autocast keeps master weights in float32


def test_walkback_starts_from_the_true_labels_partly_masked(tmp_path):
    """Walkback starts from the training example (``truth``) in mode 'train'; mask_all_p = 1 gives a
    first step that sees no label, mask_all_p = 0 one that sees some of the true labels."""
    from seqgsn.data.batches import collate
    seen = {}
    for p in (0.0, 1.0):
        cfg = _cfg(mask_all_p=p, clamp_train_p=0.0)
        tr = Trainer(cfg, tmp_path / str(p), _examples(6, 0), [], log=lambda m: None)
        batch = collate(tr.train_ex)
        run = tr.model.run_chain

        def spy(*a, **k):
            out = run(*a, **k)
            seen[p] = (a[2], k.get("truth"), out.step_masked[0])
            return out
        tr.model.run_chain = spy
        loss, _ = tr.loss(batch, torch.Generator().manual_seed(0))
        assert torch.isfinite(loss)
    y8, real = batch["y8"], batch["mask"]
    for p in (0.0, 1.0):
        settings, truth, masked = seen[p]
        assert settings.mode == "train" and torch.equal(truth, y8)
    assert torch.equal(seen[1.0][2], real)                          # everything masked
    shown = (~seen[0.0][2] & real).float().sum() / real.sum()
    assert 0.2 < shown < 0.8                                        # r ~ U(0, 1) per chain
