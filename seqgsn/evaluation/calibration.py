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

# ECE and the binning are defined with the temperature fit's helpers (chain/label_stats.py) and re-exported here
from ..chain.label_stats import check_prob_labels, confidence_bins, expected_calibration_error

__all__ = ["reliability_bins", "expected_calibration_error", "brier"]


def reliability_bins(prob, y, n_bins: int = 15) -> list[dict]:
    """One dict per bin: ``lower``, ``upper``, ``count``, ``confidence`` (mean max-prob) and
    ``accuracy``; the last two are ``None`` for an empty bin."""
    count, sconf, scorr = confidence_bins(prob, y, n_bins)
    out = []
    for b in range(n_bins):
        c = int(count[b])
        out.append({"lower": b / n_bins, "upper": (b + 1) / n_bins, "count": c,
                    "confidence": float(sconf[b] / c) if c else None,
                    "accuracy": float(scorr[b] / c) if c else None})
    return out


def brier(prob, y) -> float:
    """Multi-class Brier score ``mean_n sum_k (p_k - y_k)^2``; ``nan`` when empty."""
    p, t = check_prob_labels(prob, y)
    if not t.size:
        return float("nan")
    # sum_k (p_k - y_k)^2 = sum_k p_k^2 - 2 p_y + 1
    return float(np.mean((p * p).sum(1) - 2.0 * p[np.arange(t.size), t] + 1.0))
