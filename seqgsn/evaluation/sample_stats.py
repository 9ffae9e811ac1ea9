"""Diagnostics for the GSN sampler's Markov chains.

A chain is an array ``x`` of shape ``[T, ...]``: T successive states, each of any shape
(e.g. ``[L, 8]`` per-residue probabilities or one-hot samples, or a scalar per step).
Trailing dimensions are flattened to D independent coordinates.
"""
from __future__ import annotations

import numpy as np

from ..errors import LabelMismatchError


def _autocorr_per_dim(x) -> np.ndarray:
    """[K, D'] autocorrelation at lags 0..T-1 of each non-constant coordinate.

    Standard (biased) estimator used for MCMC: ``gamma_k = 1/T sum_t (x_t - m)(x_{t+k} - m)``,
    ``rho_k = gamma_k / gamma_0``, computed by FFT with zero padding to avoid wrap-around.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[0] < 2:
        raise ValueError("a chain needs at least 2 steps along axis 0")
    t = x.shape[0]
    x = x.reshape(t, -1)
    x = x - x.mean(0)
    var = (x * x).mean(0)
    x = x[:, var > 0]                       # constant coordinates have no autocorrelation
    n_fft = 1 << int(np.ceil(np.log2(2 * t)))
    f = np.fft.rfft(x, n=n_fft, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=n_fft, axis=0)[:t] / t
    return acov / acov[0]


def autocorrelation(x, max_lag: int) -> np.ndarray:
    """float [max_lag+1]: lag-k autocorrelation averaged (plain mean) over the coordinates of
    ``x`` [T, ...] that vary; lag 0 is 1. All-``nan`` except lag 0 if no coordinate varies.
    ``max_lag`` is capped at T-1."""
    r = _autocorr_per_dim(x)
    k = min(int(max_lag), r.shape[0] - 1)
    if r.shape[1] == 0:
        out = np.full(k + 1, np.nan)
        out[0] = 1.0
        return out
    return r[: k + 1].mean(1)


def effective_sample_size(x) -> float:
    """ESS = T / tau of a chain ``x`` [T, ...], from the dimension-averaged autocorrelation.

    tau = -1 + 2 * sum_{m=0}^{M} (rho_{2m} + rho_{2m+1}) using Geyer's (1992) initial
    positive sequence: the pair sums Gamma_m = rho_{2m} + rho_{2m+1} are added while they
    stay positive (M = last positive one), and made non-increasing (initial monotone
    sequence), as in Stan. ESS is capped at T*log10(T) (Stan's cap for antithetic
    chains). ``nan`` if no coordinate varies (the sampler never moved: ESS undefined).
    """
    x = np.asarray(x, dtype=np.float64)
    t = x.shape[0]
    r = _autocorr_per_dim(x)
    if r.shape[1] == 0:
        return float("nan")
    rho = r.mean(1)
    n_pairs = len(rho) // 2
    gamma = rho[0:2 * n_pairs:2] + rho[1:2 * n_pairs:2]
    nonpos = np.flatnonzero(gamma <= 0)
    gamma = gamma[: nonpos[0]] if nonpos.size else gamma
    gamma = np.minimum.accumulate(gamma)
    tau = -1.0 + 2.0 * gamma.sum() if gamma.size else 1.0
    ess = t / tau if tau > 0 else np.inf
    return float(min(ess, t * np.log10(t)))


def agreement(a: str, b: str) -> float:
    """Fraction of positions where two equal-length label strings agree; ``nan`` if empty."""
    if len(a) != len(b):
        raise LabelMismatchError(f"agreement: {len(a)} labels vs {len(b)}")
    if not a:
        return float("nan")
    return float(np.mean(np.frombuffer(a.encode("utf-32-le"), "<u4")
                         == np.frombuffer(b.encode("utf-32-le"), "<u4")))
