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
    # no labelled residue: no supervised cost (nan, left out of the epoch's mean, not a 0 averaged in)
    assert np.isnan(parts["sup"]) and parts["unsup"] > 0
    from seqgsn.training.summary import finite_mean
    assert finite_mean([2.0, parts["sup"], 3.0]) == 2.5
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


def test_step_budget_stops_mid_epoch_validates_and_ends_the_lr_schedule(tmp_path):
    train, val = _examples(30, 0), _examples(6, 1)
    per_epoch = Trainer(_cfg(epochs=1), tmp_path / "probe", train, val, log=lambda m: None).total_steps
    budget = per_epoch + 2                      # one full epoch and two steps of the next
    tr = Trainer(_cfg(epochs=5, max_steps=budget), tmp_path / "a", train, val, log=lambda m: None)
    assert tr.total_steps == budget             # the cosine schedule ends at the budget
    summary = tr.fit()
    assert summary["stop"] == "step budget" and tr.global_step == budget
    assert [h["global_step"] for h in tr.history] == [per_epoch, budget]   # partial epoch validated
    assert tr.lr_at(budget) == tr.cfg.train.lr * 0.02
    again = Trainer(_cfg(epochs=5, max_steps=budget), tmp_path / "a", train, val, log=lambda m: None)
    again.fit(resume=True)                      # a resumed run that already spent its budget stops
    assert again.global_step == budget


def _hybrid_trainer(tmp_path, **train):
    d = {**TINY_MODEL, "model": {**TINY_MODEL["model"], "x_corruption_p": 0.3},
         "train": {"epochs": 1, "batch_residues": 400, "log_every": 0, "checkpoint_every": 0, "threads": 1,
                   "walkback": 2, "hybrid_lambda": 0.5, **train}}
    tr = Trainer(config_from_dict(d), tmp_path, _examples(10, 0), [], log=lambda m: None)
    batch = next(iter(__import__("seqgsn.data.batches", fromlist=["x"]).iterate_batches(
        tr.train_ex, 400, 0, np.random.default_rng(0))))
    return tr, batch


def _spy_on_chain(tr, monkeypatch) -> dict:
    """The tokens, settings and output of the trainer's next run_chain call."""
    seen, orig = {}, tr.model.run_chain

    def spy(tokens, mask, settings, noise, **kw):
        seen["tokens"], seen["settings"] = tokens, settings
        seen["out"] = orig(tokens, mask, settings, noise, **kw)
        return seen["out"]
    monkeypatch.setattr(tr.model, "run_chain", spy)
    return seen


def test_x_walkback_scores_every_steps_hidden_residues(tmp_path, monkeypatch):
    tr, batch = _hybrid_trainer(tmp_path, x_walkback=True)
    seen = _spy_on_chain(tr, monkeypatch)
    loss, parts = tr.loss(batch, torch.Generator().manual_seed(0))
    assert seen["settings"].x_walk == 0.3
    assert torch.equal(seen["tokens"], batch["tokens"])     # the chain masks x itself, step by step
    hid = seen["out"].x_hidden
    assert len(hid) == 2 and not torch.equal(hid[0], hid[1]) and parts["unsup"] > 0
    loss.backward()
    assert tr.model.x_out.weight.grad.abs().sum() > 0


def test_x_term_off_masks_the_input_without_scoring_it(tmp_path, monkeypatch):
    tr, batch = _hybrid_trainer(tmp_path, x_term=False)
    seen = _spy_on_chain(tr, monkeypatch)
    loss, parts = tr.loss(batch, torch.Generator().manual_seed(0))
    from seqgsn.alphabet import MASK
    masked = (seen["tokens"] == MASK) & batch["mask"]
    assert 0.15 < masked.sum() / batch["mask"].sum() < 0.45    # the input masking of the hybrid runs
    assert not seen["settings"].with_x and "unsup" not in parts
    loss.backward()
    assert tr.model.x_out.weight.grad is None                  # the x-term does not


def test_x_walkback_without_the_x_term_is_a_config_error():
    import pytest
    from seqgsn.errors import ConfigError
    with pytest.raises(ConfigError, match="x_walkback"):
        config_from_dict({"train": {"x_walkback": True}})


def test_logged_walkback_eta_is_the_remaining_time(tmp_path):
    lines = []
    tr = Trainer(_cfg(epochs=2, log_every=1), tmp_path, _examples(30, 0), [], log=lines.append)
    tr.fit()
    etas = [l.rsplit("walkback ETA ", 1)[1] for l in lines if "walkback ETA" in l]
    assert etas
    for eta in etas:                 # "m:ss" or "h:mm:ss"; this run has seconds left at most
        parts = [int(p) for p in eta.strip().split(":")]
        assert sum(p * 60 ** i for i, p in enumerate(reversed(parts))) < 600, eta


def test_mask_weighting_chain_averages_within_each_chain_first(tmp_path, monkeypatch):
    """residue: the step's NLL pooled over the batch's hidden residues; chain: each chain's mean, then the
    mean over chains (a chain with few hidden residues weighs as much as one with many)."""
    from seqgsn.data.batches import collate
    from seqgsn.model.losses import label_nll_per_chain
    got = {}
    for how in ("residue", "chain"):
        tr = Trainer(_cfg(mask_weighting=how, clamp_train_p=0.0), tmp_path / how, _examples(6, 0), [],
                     log=lambda m: None)
        batch = collate(tr.train_ex)
        seen = _spy_on_chain(tr, monkeypatch)
        loss, _ = tr.loss(batch, torch.Generator().manual_seed(3))
        per = [label_nll_per_chain(lg, batch["y8"], batch["y3"], batch["mask"].float() * hid)
               for lg, hid in zip(seen["out"].step_logits, seen["out"].step_masked)]
        got[how] = (loss.item(), [(s.detach(), n) for s, n in per])
    pooled = sum(float(s.sum() / n.sum()) for s, n in got["residue"][1]) / 2
    per_chain = sum(float((s[n > 0] / n[n > 0]).mean()) for s, n in got["chain"][1]) / 2
    assert abs(got["residue"][0] - pooled) < 1e-5 and abs(got["chain"][0] - per_chain) < 1e-5
    counts = got["chain"][1][0][1]
    assert counts.min() < counts.max()                       # chains hid different numbers of residues
    assert abs(got["chain"][0] - got["residue"][0]) > 1e-4   # so the two weightings differ


def test_step_weights_sum_to_one_and_first_puts_half_on_the_true_label_step():
    from seqgsn.model.losses import step_weights
    for how in ("uniform", "last", "first"):
        for k in (1, 2, 4):
            assert abs(sum(step_weights(how, k)) - 1) < 1e-9 and len(step_weights(how, k)) == k
    assert step_weights("first", 4) == [0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3]
    assert step_weights("last", 3) == [0.0, 0.0, 1.0] and step_weights("first", 1) == [1.0]
    w = step_weights("first", 3, 0.8)
    assert w[0] == 0.8 and abs(w[1] - 0.1) < 1e-12 and abs(sum(w) - 1) < 1e-12


def test_span_p_gives_clamp_trained_chains_whole_known_segments(tmp_path):
    """train.span_p = 1: every clamp-trained chain's known labels come in runs (mean segment length 10), and the
    walkback settings carry span_p to the chain's corruption; span_p = 0 keeps them scattered."""
    from seqgsn.data.batches import collate
    runs = {}
    for p in (0.0, 1.0):
        cfg = _cfg(clamp_train_p=1.0, clamp_train_max=1.0, span_p=p, span_length=10.0)
        tr = Trainer(cfg, tmp_path / str(p), _examples(40, 0), [], log=lambda m: None)
        batch = collate(tr.train_ex)
        run = tr.model.run_chain

        def spy(*a, **k):
            runs[p] = (a[2], k["clamp"][0])
            return run(*a, **k)
        tr.model.run_chain = spy
        tr.loss(batch, torch.Generator().manual_seed(0))
    lengths = {}
    for p, (settings, known) in runs.items():
        assert settings.span_p == p and settings.span_length == 10.0
        edges = known[:, 1:] & ~known[:, :-1]                          # starts of known runs after position 0
        lengths[p] = known.sum().item() / (edges.sum().item() + known[:, 0].sum().item())
    assert lengths[1.0] > 2 * lengths[0.0]


def _three_state(examples):
    """The same chains with only 3-state labels (FLIP-style): y8 unknown, y3 = H/E/C of the 8-state."""
    from seqgsn.alphabet import SS8_TO_SS3_INDEX
    to3 = np.asarray(SS8_TO_SS3_INDEX)
    return [replace(e, y8=np.full_like(e.y8, -1), y3=to3[e.y8]) for e in examples]


def test_three_state_validation_selects_on_q3_and_no_validation_on_the_training_loss(tmp_path):
    train = _examples(40, 0)
    tr = Trainer(_cfg(epochs=3, lr=5e-3), tmp_path / "q3", train, _three_state(_examples(8, 1)), log=lambda m: None)
    summary = tr.fit()
    assert all(h["val_q8"] is None and h["val_q3"] is not None for h in tr.history)
    best = max(tr.history, key=lambda h: h["val_q3"])
    assert summary["selected_on"] == "Q3" and summary["best_epoch"] == best["epoch"]
    # no validation chains at all: the first epoch always improves on "nothing yet", whatever its loss
    none = Trainer(_cfg(epochs=2), tmp_path / "none", train, [], log=lambda m: None)
    summary = none.fit()
    assert summary["selected_on"] == "training loss" and summary["best_epoch"] >= 1
    assert (tmp_path / "none" / "model.pt").exists()


def test_a_refused_resume_leaves_the_runs_config_as_it_was(tmp_path):
    import pytest
    from seqgsn.errors import CheckpointError
    train, val = _examples(20, 0), _examples(4, 1)
    Trainer(_cfg(epochs=1), tmp_path, train, val, log=lambda m: None).fit()
    before = (tmp_path / "config.yaml").read_bytes()
    with pytest.raises(CheckpointError, match="differs"):
        Trainer(_cfg(epochs=1, lr=1e-2), tmp_path, train, val, log=lambda m: None).fit(resume=True)
    assert (tmp_path / "config.yaml").read_bytes() == before


def test_check_resumable_refuses_before_any_data_work(tmp_path):
    import pytest
    from seqgsn.errors import ConfigError
    from seqgsn.training.stages import check_resumable
    with pytest.raises(ConfigError, match="no run to resume"):
        check_resumable(tmp_path, _cfg())
    Trainer(_cfg(epochs=1), tmp_path, _examples(20, 0), _examples(4, 1), log=lambda m: None).fit()
    check_resumable(tmp_path, _cfg(epochs=1))                                  # the run's own config
    check_resumable(tmp_path, replace(_cfg(epochs=1), chain=replace(_cfg().chain, temperature=1.3)))  # a stage
    with pytest.raises(ConfigError, match=r"train\.lr"):
        check_resumable(tmp_path, _cfg(epochs=1, lr=1e-2))
