"""Shared toy data for the metrics tests: two chains whose scores are worked out by hand
in test_scores.py."""
from __future__ import annotations

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.records import LabeledRecord, Prediction


def peaked_prob8(ss8: str, top: float = 0.65) -> np.ndarray:
    """[L, 8] rows with ``top`` on the given state and (1-top)/7 on every other one."""
    p = np.full((len(ss8), 8), (1.0 - top) / 7.0, dtype=np.float32)
    p[np.arange(len(ss8)), [SS8.index(c) for c in ss8]] = top
    return p


def make_pred(rid: str, seq: str, ss8: str, top: float = 0.65) -> Prediction:
    return Prediction(rid, seq, ss8, peaked_prob8(ss8, top))


@pytest.fixture(name="make_pred")
def make_pred_fixture():
    """The :func:`make_pred` helper (a fixture, so tests never import conftest by name)."""
    return make_pred


@pytest.fixture
def toy():
    """Chain A: 8 residues, no mask. Chain B: 6 residues, the last one masked out (and
    predicted wrongly in both 8 and 3 states, so ignoring the mask changes every score)."""
    ref_a = LabeledRecord("A", "ACDEFGHI", ss8="HHHHEETC")
    ref_b = LabeledRecord("B", "KLMNPQ", ss8="EEBCHH",
                          mask=np.array([1, 1, 1, 1, 1, 0], bool))
    pred_a = make_pred("A", "ACDEFGHI", "HHHGEECC")
    pred_b = make_pred("B", "KLMNPQ", "EECCHE")
    return [ref_a, ref_b], [pred_a, pred_b]
