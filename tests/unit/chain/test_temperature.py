"""Temperature scaling of the prediction (seqgsn.chain.temperature) and its place in training."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from seqgsn.chain.marginals import chain_marginals
from seqgsn.chain.temperature import _predict, fit_temperature, nll
from seqgsn.config import config_from_dict
from seqgsn.data.batches import Example, collate
from seqgsn.errors import ConfigError
from seqgsn.model.checkpoint import load_model_file
from seqgsn.model.gsn import SeqGSN
from seqgsn.training.trainer import Trainer
from tests.conftest import TINY_MODEL


def _examples(n, seed, L=30):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        y = rng.integers(0, 8, L).astype(np.int64)
        y3 = np.full(L, -1, np.int64)
        if i % 3 == 0:                      # some chains carry only 3-state labels
            y3 = np.array([0, 0, 0, 1, 1, 2, 2, 2])[y]
            y = np.full(L, -1, np.int64)
        out.append(Example(f"c{i}", rng.integers(0, 20, L).astype(np.int64), y, y3, None))
    return out


def _cfg(**train):
    return config_from_dict({**TINY_MODEL, "train": {"epochs": 1, "batch_residues": 400, "log_every": 0,
                                                     "checkpoint_every": 0, "threads": 1, "walkback": 2,
                                                     **train}})


def test_the_fitted_temperature_recovers_a_known_one():
    # labels drawn from softmax(z / 2): the NLL-optimal temperature on z is 2
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2, 20000, 8, generator=g) * 3
    p = torch.softmax(z / 2, -1).mean(0)
    y8 = torch.multinomial(p, 1, generator=g).squeeze(-1)
    every = torch.ones(2, 20000, dtype=torch.bool)              # both steps re-decided every residue
    units = [((torch.log_softmax(z, -1), every), y8, torch.full_like(y8, -1))]
    best = min(np.arange(1.0, 3.01, 0.05), key=lambda T: nll(units, float(T)))
    assert abs(best - 2.0) < 0.15
    assert nll(units, 2.0) < nll(units, 1.0)
    assert torch.allclose(_predict(units[0][0], 1.0), torch.softmax(z, -1).mean(0), atol=1e-5)
    # a residue is averaged over the steps that re-decided it only
    only_first = every.clone()
    only_first[1] = False
    assert torch.allclose(_predict((units[0][0][0], only_first), 1.0), torch.softmax(z[0], -1), atol=1e-5)


def test_fit_on_a_model_lowers_the_nll_and_is_deterministic():
    cfg = _cfg()
    torch.manual_seed(0)
    m = SeqGSN(cfg.model)
    ex = _examples(10, 0)
    r1 = fit_temperature(m, ex, cfg.chain, seed=3)
    r2 = fit_temperature(m, ex, cfg.chain, seed=3)
    assert r1 == r2 and r1["temperature"] > 0 and r1["residues"] == 10 * 30
    assert r1["nll_after"] <= r1["nll_before"] + 1e-9


def test_temperature_flattens_or_sharpens_the_prediction_not_its_chain():
    cfg = _cfg()
    torch.manual_seed(0)
    m = SeqGSN(cfg.model).eval()
    b = collate(_examples(3, 1))
    kw = dict(steps=3, burn_in=1, seed=5)
    p1, p3 = chain_marginals(m, b, **kw), chain_marginals(m, b, temperature=3.0, **kw)
    mask = b["mask"]
    assert p3[mask].max(-1).values.mean() < p1[mask].max(-1).values.mean()
    assert torch.allclose(p3.sum(-1)[mask], torch.ones(int(mask.sum())), atol=1e-5)
    with pytest.raises(ConfigError, match="temperature"):
        config_from_dict({"chain": {"temperature": 0.0}})


def test_training_with_calibrate_stores_the_temperature_and_a_resume_adds_it(tmp_path):
    train, val = _examples(20, 2), _examples(6, 3)
    cfg = _cfg(calibrate=True)
    summary = Trainer(cfg, tmp_path / "a", train, val, log=lambda m: None).fit()
    _, cfg_a, d = load_model_file(tmp_path / "a" / "model.pt")
    T = summary["calibration"]["temperature"]
    assert cfg_a.chain.temperature == T and d["metrics"]["calibration"] == summary["calibration"]
    # a finished run without the stage gets it on resume, and its walkback weights stay
    plain = _cfg()
    Trainer(plain, tmp_path / "b", train, val, log=lambda m: None).fit()
    before, cfg_b, _ = load_model_file(tmp_path / "b" / "model.pt")
    assert cfg_b.chain.temperature == 1.0
    Trainer(replace(plain, train=replace(plain.train, calibrate=True)), tmp_path / "b", train, val,
            log=lambda m: None).fit(resume=True)
    after, cfg_c, _ = load_model_file(tmp_path / "b" / "model.pt")
    assert cfg_c.chain.temperature == T
    assert torch.equal(after.backbone.embed.weight, before.backbone.embed.weight)
