"""Label provenance (model.label_provenance): which shown labels the chain treats as observed."""
from dataclasses import replace

import pytest
import torch

from seqgsn.model.gsn import ChainSettings, SeqGSN
from seqgsn.model.noise import Noise

from test_gsn import _batch   # pytest (prepend import mode) puts this folder on sys.path


def _model(tiny_cfg, provenance=True, seed=0):
    torch.manual_seed(seed)
    return SeqGSN(replace(tiny_cfg.model, label_provenance=provenance, label_layers=2)).eval()


def _spy(m):
    """Record the (y_in [B, 8, L], observed [B, 1, L] or None) every transition step receives."""
    seen = []
    inner = m.transition.forward

    def forward(y_in, hs, *a, observed=None, **kw):
        seen.append((y_in.clone(), None if observed is None else observed.clone()))
        return inner(y_in, hs, *a, observed=observed, **kw)
    m.transition.forward = forward
    return seen


def _effective(y_in, o):
    """What the transition reads as observed: the channel, kept to the shown residues -> [B, L] bool."""
    return (o.squeeze(1) > 0) & (y_in.sum(1) > 0)


def _run(m, tokens, mask, cs, seed=1, **kw):
    return m.run_chain(tokens, mask, cs, Noise.shared(torch.Generator().manual_seed(seed)), **kw)


def test_observed_channel_changes_the_step_and_is_required(tiny_cfg):
    m = _model(tiny_cfg)
    tokens, mask, y8 = _batch(B=2, L=23)
    ctx_h1, ctx_y, pad = m.context(tokens, mask)
    y = torch.nn.functional.one_hot(y8.clamp_min(0), 8).transpose(1, 2).float() * pad
    hs = [None] * len(m.cfg.hidden)
    nz = Noise(torch.Generator())
    with torch.no_grad():
        as_true, _ = m.transition(y, hs, ctx_h1, ctx_y, pad, False, nz, observed=pad)
        as_draw, _ = m.transition(y, hs, ctx_h1, ctx_y, pad, False, nz, observed=torch.zeros_like(pad))
    assert (as_true - as_draw).abs().max() > 1e-3       # the same labels, read differently
    with pytest.raises(ValueError, match="observed"):
        m.transition(y, hs, ctx_h1, ctx_y, pad, False, nz)
    plain = _model(tiny_cfg, provenance=False)
    with pytest.raises(ValueError, match="provenance"):
        plain.transition(y, hs, ctx_h1, ctx_y, pad, False, nz, observed=pad)


def test_walkback_shows_true_labels_as_observed_and_its_draws_as_draws(tiny_cfg):
    m = _model(tiny_cfg)
    seen = _spy(m)
    tokens, mask, y8 = _batch(B=2, L=23)
    out = _run(m, tokens, mask, ChainSettings(3, mode="train", mask_all_p=0.0), truth=y8)
    (y0, o0), (y1, o1) = seen[0], seen[1]
    shown0 = y0.sum(1) > 0
    assert shown0.any() and torch.equal(_effective(y0, o0), shown0)         # step 1: every shown label is true
    shown1 = y1.sum(1) > 0
    redrawn = out.step_masked[0]                                            # decided at step 1: now draws
    assert (shown1 & redrawn).any()
    assert not _effective(y1, o1)[redrawn].any()
    untouched = shown1 & ~redrawn
    assert untouched.any() and _effective(y1, o1)[untouched].all()


def test_prediction_observes_clamps_only_unless_draws_are_observed(tiny_cfg):
    m = _model(tiny_cfg)
    tokens, mask, _ = _batch(B=2, L=23)
    known = torch.zeros_like(mask)
    known[0, 3:8] = True
    clamp = (known, torch.full_like(tokens, 4))
    seen = _spy(m)
    _run(m, tokens, mask, ChainSettings(5, reveal=2, groups=2), clamp=clamp)
    for y_in, o in seen:
        assert torch.equal(_effective(y_in, o), known & (y_in.sum(1) > 0))
    assert (seen[-1][0].sum(1) > 0).sum() > known.sum()                    # draws were shown, not observed
    seen.clear()
    _run(m, tokens, mask, ChainSettings(5, reveal=2, groups=2, draws_observed=True), clamp=clamp)
    for y_in, o in seen:
        assert torch.equal(_effective(y_in, o), (y_in.sum(1) > 0) & mask)
    assert (seen[-1][0].sum(1) > 0).sum() > known.sum()


def test_draws_observed_changes_the_samples(tiny_cfg):
    m = _model(tiny_cfg, seed=3)
    with torch.no_grad():                  # an operator that reads the channel strongly
        m.transition.w_obs.weight.mul_(50)
    tokens, mask, _ = _batch(L=40)
    a = _run(m, tokens, mask, ChainSettings(6, reveal=4, groups=2)).samples[-1]
    b = _run(m, tokens, mask, ChainSettings(6, reveal=4, groups=2, draws_observed=True)).samples[-1]
    assert not torch.equal(a[mask], b[mask])
