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
    for r, (t, masked), pr in zip(RECS, trace, preds):
        assert t.shape == (5, len(r.seq), 8) and t.dtype == np.float32
        assert masked.shape == (5, len(r.seq)) and masked[0].all()     # step 0: everything masked
        np.testing.assert_allclose(t.sum(-1), 1.0, atol=1e-5)
        w = masked[2:, :, None].astype(np.float64)                     # after burn-in 2
        est = (t[2:] * w).sum(0) / np.maximum(w.sum(0), 1)
        est = np.where(w.sum(0) > 0, est, t[2:].mean(0))
        np.testing.assert_allclose(est, pr.prob8, atol=1e-5)


def test_a_records_prediction_depends_on_the_record_alone(tiny_model_file):
    """Same output alone, in another order, with other batch-mates and another batch size."""
    p = load_model(tiny_model_file)
    together = p.predict(RECS, seed=7)
    alone = [p.predict([r], seed=7)[0] for r in RECS]
    p.cfg = replace(p.cfg, chain=replace(p.cfg.chain, batch_residues=20))
    reordered = p.predict(RECS[::-1] + [Record("z", "ACDEFGHIKLMNPQRSTVWY" * 3)], seed=7)[:3][::-1]
    for a, b, c in zip(together, alone, reordered):
        np.testing.assert_allclose(a.prob8, b.prob8, atol=1e-6)
        np.testing.assert_allclose(a.prob8, c.prob8, atol=1e-6)
    other_seed = p.predict(RECS, seed=8)
    assert any(np.abs(a.prob8 - b.prob8).max() > 1e-4 for a, b in zip(together, other_seed))


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


def test_zero_steps_and_out_of_range_burn_in_are_errors_not_replaced(tiny_model_file):
    import pytest
    from seqgsn.errors import ConfigError
    p = load_model(tiny_model_file)
    with pytest.raises(ConfigError, match="at least one step"):
        p.predict(RECS, steps=0)
    with pytest.raises(ConfigError, match="burn-in"):
        p.predict(RECS, steps=3, burn_in=3)


def test_a_corpus_read_for_evaluation_can_be_predicted_directly(tiny_model_file):
    # read_corpus -> predict -> evaluate is the benchmarker's loop: labelled records need no conversion
    from seqgsn.records import LabeledRecord
    p = load_model(tiny_model_file)
    labelled = [LabeledRecord(r.id, r.seq, ss8="C" * len(r.seq)) for r in RECS]
    for a, b in zip(p.predict(labelled, seed=2), p.predict(RECS, seed=2)):
        assert a.id == b.id and a.description == "" and a.ss8 == b.ss8
        np.testing.assert_array_equal(a.prob8, b.prob8)
    assert [len(s.samples) for s in p.sample(labelled, n=2, seed=2)] == [2, 2, 2]
