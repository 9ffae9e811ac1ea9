"""Wasserstein-1 (earth mover's) distance between two empirical 1-D distributions.

``W1(a, b) = integral |F_a(x) - F_b(x)| dx`` with ``F`` the empirical CDFs of the
samples. Both CDFs are step functions that only change at sample values, so the integral
is an exact finite sum over the gaps of the pooled sorted samples. (numpy only: scipy is
not a declared dependency.)
"""
from __future__ import annotations

import numpy as np


def wasserstein1(a, b) -> float:
    """W1 between the samples ``a`` and ``b`` (same units as the samples); ``nan`` if either
    is empty. Shifting every sample of a distribution by ``d`` moves it by exactly ``|d|``."""
    a = np.sort(np.asarray(a, dtype=np.float64).ravel())
    b = np.sort(np.asarray(b, dtype=np.float64).ravel())
    if a.size == 0 or b.size == 0:
        return float("nan")
    x = np.sort(np.concatenate([a, b]))
    gaps = np.diff(x)
    fa = np.searchsorted(a, x[:-1], side="right") / a.size
    fb = np.searchsorted(b, x[:-1], side="right") / b.size
    return float(np.sum(np.abs(fa - fb) * gaps))
