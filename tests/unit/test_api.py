"""Predictor: per-step chain trace, precision, and consistency with predict()."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from seqgsn.api import load_model
from seqgsn.records import Record

RECS = [Record("a", "MKTAYIAKQRQISFVKSHFSRQ"), Record("b", "GSHMLEDPVDAFQEAL"),
        Record("c", "MVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF")]


def test_chain_trace_is_the_per_step_form_of_predict(tiny_model_file):
    p = load_model(tiny_model_file)
    trace = p.chain_trace(RECS, steps=5, seed=3)
    preds = p.predict(RECS, steps=5, burn_in=2, seed=3)
    for r, t, pr in zip(RECS, trace, preds):
        assert t.shape == (5, len(r.seq), 8) and t.dtype == np.float32
        np.testing.assert_allclose(t.sum(-1), 1.0, atol=1e-5)
        np.testing.assert_allclose(t[2:].mean(0), pr.prob8, atol=1e-6)


def test_bf16_chain_matches_fp32_closely(tiny_model_file):
    p32 = load_model(tiny_model_file)
    p16 = load_model(tiny_model_file)
    p16.cfg = replace(p16.cfg, chain=replace(p16.cfg.chain, precision="bf16"))
    a = p32.predict(RECS, noisy=False)
    b = p16.predict(RECS, noisy=False)
    for x, y in zip(a, b):
        assert y.prob8.dtype == np.float32 and np.isfinite(y.prob8).all()
        np.testing.assert_allclose(y.prob8.sum(-1), 1.0, atol=1e-5)
        assert np.abs(x.prob8 - y.prob8).max() < 0.05   # bf16 keeps ~3 significant digits
