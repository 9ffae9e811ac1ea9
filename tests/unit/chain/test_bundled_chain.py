"""The bundled model's chain: clamped labels reach the free residues through the label state.

This fails if clamps are disconnected from the chain (only overwritten at the end); that every step
reads the state the previous one left is tested on a constructed model in tests/unit/model/test_gsn.py."""
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
