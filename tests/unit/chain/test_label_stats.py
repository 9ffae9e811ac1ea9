import math

import numpy as np
import pytest

from seqgsn.evaluation import wasserstein1


def test_shift_moves_distribution_by_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(size=500)
    assert wasserstein1(a, a + 3.5) == pytest.approx(3.5)
    assert wasserstein1(a + 3.5, a) == pytest.approx(3.5)
    assert wasserstein1(a, a) == 0.0


def test_hand_values():
    assert wasserstein1([0], [5]) == 5.0
    # F_a - F_b = 0.5 on [0, 1): integral 0.5
    assert wasserstein1([0, 1], [1, 1]) == pytest.approx(0.5)
    # unequal sizes: a = {1, 2, 3}, b = {2}: |F| = 1/3 on [1,2), 1/3 on [2,3) -> 2/3
    assert wasserstein1([1, 2, 3], [2]) == pytest.approx(2 / 3)
    assert math.isnan(wasserstein1([], [1]))


def test_matches_scipy_when_present():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    a, b = rng.integers(1, 30, 200), rng.integers(1, 40, 77)
    assert wasserstein1(a, b) == pytest.approx(stats.wasserstein_distance(a, b))
