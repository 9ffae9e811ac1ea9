"""Calibration of per-residue class probabilities.

``prob`` is float [N, K] (rows are probability vectors, e.g. ``prob8`` in ``HGIEBTSC``
order), ``y`` is int [N] true class indices.

* Confidence of a residue = ``max_k prob[k]``; it is correct when ``argmax_k prob == y``
  (first maximum on ties, as :func:`numpy.argmax`).
* Bins are ``n_bins`` equal-width intervals ``(b/n, (b+1)/n]`` on [0, 1]; the first bin
  also holds confidence 0.
* ECE (Guo et al. 2017) = ``sum_b (n_b / N) * |accuracy_b - mean_confidence_b|``.
* Brier (multi-class) = ``mean_n sum_k (prob[n,k] - onehot(y_n)[k])^2``, in [0, 2].
"""
from __future__ import annotations

import numpy as np


def _check(prob, y) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(prob, dtype=np.float64)
    t = np.asarray(y, dtype=np.int64).ravel()
    if p.ndim != 2 or p.shape[0] != t.size:
        raise ValueError(f"prob must be [N, K] with N = len(y); got {p.shape} and {t.size}")
    if t.size and (t.min() < 0 or t.max() >= p.shape[1]):
        raise ValueError(f"class indices must be in [0, {p.shape[1]})")
    return p, t


def _bin_stats(prob, y, n_bins: int):
    """Per-bin (count, sum of confidence, number correct)."""
    p, t = _check(prob, y)
    conf = p.max(1) if t.size else np.zeros(0)
    correct = (p.argmax(1) == t) if t.size else np.zeros(0, bool)
    # right-closed bins: ceil(conf * n) - 1, with conf == 0 kept in bin 0
    b = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(b, minlength=n_bins)
    return (count, np.bincount(b, weights=conf, minlength=n_bins),
            np.bincount(b, weights=correct.astype(np.float64), minlength=n_bins))


def reliability_bins(prob, y, n_bins: int = 15) -> list[dict]:
    """One dict per bin: ``lower``, ``upper``, ``count``, ``confidence`` (mean max-prob) and
    ``accuracy``; the last two are ``None`` for an empty bin."""
    count, sconf, scorr = _bin_stats(prob, y, n_bins)
    out = []
    for b in range(n_bins):
        c = int(count[b])
        out.append({"lower": b / n_bins, "upper": (b + 1) / n_bins, "count": c,
                    "confidence": float(sconf[b] / c) if c else None,
                    "accuracy": float(scorr[b] / c) if c else None})
    return out


def expected_calibration_error(prob, y, n_bins: int = 15) -> float:
    """ECE over ``n_bins`` equal-width max-prob confidence bins; ``nan`` when empty."""
    count, sconf, scorr = _bin_stats(prob, y, n_bins)
    n = count.sum()
    return float(np.abs(scorr - sconf).sum() / n) if n else float("nan")


def brier(prob, y) -> float:
    """Multi-class Brier score ``mean_n sum_k (p_k - y_k)^2``; ``nan`` when empty."""
    p, t = _check(prob, y)
    if not t.size:
        return float("nan")
    # sum_k (p_k - y_k)^2 = sum_k p_k^2 - 2 p_y + 1
    return float(np.mean((p * p).sum(1) - 2.0 * p[np.arange(t.size), t] + 1.0))
