"""seqgsn.chain.marginals: restarted samples share the batch's x-pathway and draw what separate chains draw."""
from __future__ import annotations

import pytest
import torch

import seqgsn
from seqgsn.chain.marginals import chain_samples, sample_seed
from seqgsn.records import Record

SEQS = ["MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG",
        "GSHMKELLEKAKELLKEGNPEEAIKLLEEALK"]


@pytest.fixture(scope="module")
def bundled():
    return seqgsn.load_model(precision="fp32")


def _batch(predictor):
    _, batch, _ = next(predictor._batches([Record(f"r{i}", s) for i, s in enumerate(SEQS)], None))
    return batch


def test_restarted_samples_run_the_backbone_once_and_equal_separate_chains(bundled):
    batch, kw = _batch(bundled), dict(burn_in=2, reveal=3, groups=2, precision="fp32")
    calls = []
    hook = bundled.model.backbone.register_forward_hook(lambda *a: calls.append(1))
    try:
        restarted = chain_samples(bundled.model, batch, n=4, seed=5, restart=True, **kw)
    finally:
        hook.remove()
    assert len(calls) == 1                       # one x-pathway for the 4 chains (was one per sample)
    separate = torch.cat([chain_samples(bundled.model, batch, n=1, seed=sample_seed(5, k), **kw) for k in range(4)])
    assert torch.equal(restarted, separate)
    assert not torch.equal(restarted[0], restarted[1])     # the chains are distinct draws


def test_a_precomputed_x_pathway_cannot_follow_an_x_walk(bundled):
    from seqgsn.model.gsn import ChainSettings
    from seqgsn.model.noise import Noise
    b = _batch(bundled)
    cs = ChainSettings(2, mode="train", with_x=True, x_walk=0.1)
    ctx = bundled.model.chain_context(b["tokens"], b["mask"], cs)
    truth = torch.zeros_like(b["tokens"])
    with pytest.raises(ValueError, match="x_walk"):
        bundled.model.run_chain(b["tokens"], b["mask"], cs, Noise.shared(torch.Generator()), truth=truth,
                                context=ctx)
