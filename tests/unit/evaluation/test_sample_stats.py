import math

import numpy as np
import pytest

from seqgsn.errors import AlphabetError, LabelMismatchError
from seqgsn.evaluation import agreement, autocorrelation, effective_sample_size, majority_vote


def ar1(phi, t, d, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((t, d))
    e = rng.normal(size=(t, d))
    for i in range(1, t):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_autocorrelation_of_ar1_decays_geometrically():
    r = autocorrelation(ar1(0.8, 20_000, 4, 0), max_lag=3)
    assert r[0] == pytest.approx(1.0)
    assert r[1:] == pytest.approx([0.8, 0.64, 0.512], abs=0.03)


def test_autocorrelation_averages_dimensions_and_drops_constant_ones():
    t = np.arange(10, dtype=float)
    alt = (-1.0) ** t                                  # lag-1 autocorrelation -0.9 (biased)
    x = np.stack([alt, np.ones(10)], axis=1)[:, :, None]  # [T, 2, 1], second coord constant
    r = autocorrelation(x, max_lag=1)
    assert r.tolist() == pytest.approx([1.0, -0.9])
    const = autocorrelation(np.ones((5, 3)), max_lag=2)
    assert const[0] == 1.0 and np.isnan(const[1:]).all()


def test_ess_iid_close_to_length():
    x = np.random.default_rng(3).normal(size=(4000, 2))
    assert 0.8 * 4000 < effective_sample_size(x) < 1.2 * 4000


def test_ess_ar1_matches_theory():
    # integrated autocorrelation time of AR(1) is (1+phi)/(1-phi) = 19 for phi = 0.9
    t = 40_000
    ess = effective_sample_size(ar1(0.9, t, 2, 4))
    assert ess == pytest.approx(t / 19, rel=0.25)


def test_ess_of_stuck_chain_is_nan():
    assert math.isnan(effective_sample_size(np.zeros((50, 4))))


def test_majority_vote_and_ties():
    assert majority_vote(["HHE", "HEE", "CEE"]) == "HEE"
    # tie between C and H at position 0, between T and G at 1 -> SS8 order picks H and G
    assert majority_vote(["CT", "HG"]) == "HG"
    assert majority_vote(["CEC", "HEC"]) == "HEC"
    with pytest.raises(LabelMismatchError):
        majority_vote(["HH", "H"])
    with pytest.raises(AlphabetError):
        majority_vote(["HX"])
    with pytest.raises(ValueError):
        majority_vote([])


def test_agreement():
    assert agreement("HHEC", "HHCC") == 0.75
    assert math.isnan(agreement("", ""))
    with pytest.raises(LabelMismatchError):
        agreement("H", "HH")
