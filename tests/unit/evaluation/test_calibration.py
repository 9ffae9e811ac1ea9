import math

import numpy as np
import pytest

from seqgsn.evaluation import brier, expected_calibration_error, reliability_bins


def test_perfectly_calibrated_toy_has_zero_ece():
    # confidence 0.75 on 4 residues of which 3 are right, confidence 1.0 on 2 right ones
    prob = np.array([[0.75, 0.25]] * 4 + [[0.0, 1.0]] * 2)
    y = np.array([0, 0, 0, 1, 1, 1])
    assert expected_calibration_error(prob, y) == pytest.approx(0.0, abs=1e-12)
    bins = reliability_bins(prob, y)
    assert len(bins) == 15 and sum(b["count"] for b in bins) == 6
    full = [b for b in bins if b["count"]]
    assert [(b["count"], b["confidence"], b["accuracy"]) for b in full] == [
        (4, 0.75, 0.75), (2, 1.0, 1.0)]
    assert full[0]["lower"] < 0.75 <= full[0]["upper"]
    assert all(b["confidence"] is None and b["accuracy"] is None for b in bins if not b["count"])


def test_sampled_labels_are_calibrated():
    # labels drawn from the predicted distribution: ECE -> 0 as N grows
    rng = np.random.default_rng(0)
    prob = rng.dirichlet(np.ones(8) * 0.5, size=50_000)
    y = (prob.cumsum(1) > rng.random((50_000, 1))).argmax(1)
    assert expected_calibration_error(prob, y) < 0.01


def test_overconfident_ece_and_bin_edges():
    prob = np.array([[0.9, 0.1]] * 4)
    y = np.array([0, 1, 0, 1])
    assert expected_calibration_error(prob, y) == pytest.approx(0.4)
    # confidence exactly 0.5 -> bin (7/15, 8/15]; bins are right-closed
    b = reliability_bins(np.array([[0.5, 0.5]]), np.array([0]), n_bins=2)
    assert [x["count"] for x in b] == [1, 0]


def test_brier_hand_values():
    assert brier(np.eye(3), [0, 1, 2]) == 0.0
    assert brier(np.eye(3), [1, 2, 0]) == 2.0
    # (0.7-1)^2 + 0.2^2 + 0.1^2 = 0.14 ; (0.7)^2 + (0.2-1)^2 + 0.1^2 = 1.14
    assert brier([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]], [0, 1]) == pytest.approx(0.64)
    assert math.isnan(brier(np.zeros((0, 3)), []))


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        brier(np.ones((3, 2)) / 2, [0, 1])
    with pytest.raises(ValueError):
        expected_calibration_error(np.ones((2, 2)) / 2, [0, 2])
