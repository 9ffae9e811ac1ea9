"""The bundled model's chain does work: its label state reaches the free residues.

These fail if clamps are disconnected from the chain (only overwritten at the end) or if every step
restarts from the neutral state (tried on a copy of the code: both broke these tests)."""
from __future__ import annotations

import numpy as np
import pytest

import seqgsn
from seqgsn.records import Record

UBIQUITIN = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"
E = "HGIEBTSC".index("E")


@pytest.fixture(scope="module")
def bundled():
    return seqgsn.load_model()


def test_clamped_strand_raises_its_free_neighbours_strand_probability(bundled):
    rec = Record("ubq", UBIQUITIN)
    clamp = "".join("E" if 19 <= i < 25 else "-" for i in range(len(UBIQUITIN)))   # residues 20-25
    free = bundled.predict([rec], seed=0)[0].prob8
    held = bundled.predict([rec], clamps={"ubq": clamp}, seed=0)[0].prob8
    near = [17, 18, 25, 26]                                                         # 2 on each side
    assert held[near, E].mean() > free[near, E].mean() + 0.1
    assert np.all(held[19:25, E] == 1.0)


def test_steps_read_the_label_state_the_chain_carries(bundled):
    """A residue decided late in the reveal sweep sees earlier decisions: its distribution moves away
    from the all-hidden step 0 far more than hidden-unit noise alone moves it (two seeds' step 0)."""
    recs = [Record("ubq", UBIQUITIN)]
    ch = bundled.chain
    a = bundled.chain_trace(recs, steps=ch.reveal + ch.groups, seed=0)[0]
    b = bundled.chain_trace(recs, steps=1, seed=1)[0]
    probs, decided = a                                   # [T, L, 8], [T, L]
    later = decided[1:]                                  # residues decided after step 0, per step
    step0 = np.broadcast_to(probs[:1], probs[1:].shape)
    moved = np.abs(probs[1:][later] - step0[later]).sum(-1)          # L1 distance to step 0
    noise = np.abs(probs[0] - b[0][0]).sum(-1)
    assert later.any()
    assert moved.mean() > 3 * noise.mean() + 0.05
