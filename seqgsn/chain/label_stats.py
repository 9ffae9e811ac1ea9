"""Label statistics the chain's own fits and decoders measure with (evaluation/ re-exports them).

They sit here, not in :mod:`seqgsn.evaluation`, so that data keeps flowing one way
(chain -> evaluation): segment decoding needs run lengths and the majority vote, the CRF fit
compares segment-length distributions (W1), the temperature fit reports ECE.

* Segments: maximal runs of one letter in a label string (0-based inclusive bounds, lengths).
* Wasserstein-1 (earth mover's) distance between two empirical 1-D distributions:
  ``W1(a, b) = integral |F_a(x) - F_b(x)| dx`` with ``F`` the empirical CDFs of the
  samples. Both CDFs are step functions that only change at sample values, so the integral
  is an exact finite sum over the gaps of the pooled sorted samples. (numpy only: scipy is
  not a declared dependency.)
* Majority vote: per-position most frequent label over equal-length label strings.
* ECE (Guo et al. 2017) over equal-width max-prob confidence bins; ``prob`` is float [N, K]
  (rows are probability vectors), ``y`` int [N] true class indices; the bins are defined in
  :mod:`seqgsn.evaluation.calibration`.
"""
from __future__ import annotations

import numpy as np

from ..alphabet import SS8, encode_ss8
from ..errors import LabelMismatchError


# -- segments -------------------------------------------------------------------------------------
def _codes(labels: str) -> np.ndarray:
    # utf-32 gives one uint32 per character without a Python loop
    return np.frombuffer(labels.encode("utf-32-le"), dtype="<u4")


def segment_bounds(labels: str, cls: str) -> tuple[np.ndarray, np.ndarray]:
    """0-based inclusive ``(starts, ends)`` of the maximal runs of the letter ``cls``."""
    if len(cls) != 1:
        raise ValueError(f"cls must be one letter, got {cls!r}")
    hit = (_codes(labels) == ord(cls)).astype(np.int8)
    d = np.diff(np.concatenate(([0], hit, [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1


def segments(labels: str, cls: str) -> list[int]:
    """Lengths of the maximal runs of ``cls`` in ``labels``, left to right."""
    s, e = segment_bounds(labels, cls)
    return (e - s + 1).tolist()


# -- distances between segment-length samples ---------------------------------------------
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


# -- samples -> one label string ----------------------------------------------------------------
def majority_vote(samples: list[str]) -> str:
    """Per-position most frequent label over equal-length label strings.

    Ties go to the state earliest in ``SS8 = HGIEBTSC``; 3-state strings work too since
    ``H < E < C`` in that order.
    """
    if not samples:
        raise ValueError("majority_vote needs at least one sample")
    n = len(samples[0])
    for i, s in enumerate(samples):
        if len(s) != n:
            raise LabelMismatchError(f"sample {i} has {len(s)} labels, sample 0 has {n}")
    idx = np.stack([encode_ss8(s) for s in samples])                     # [S, L]
    counts = np.stack([(idx == k).sum(0) for k in range(len(SS8))], axis=1)  # [L, 8]
    return "".join(SS8[i] for i in counts.argmax(1).tolist())           # first max = SS8 order


# -- calibration --------------------------------------------------------------------------------
def check_prob_labels(prob, y) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(prob, dtype=np.float64)
    t = np.asarray(y, dtype=np.int64).ravel()
    if p.ndim != 2 or p.shape[0] != t.size:
        raise ValueError(f"prob must be [N, K] with N = len(y); got {p.shape} and {t.size}")
    if t.size and (t.min() < 0 or t.max() >= p.shape[1]):
        raise ValueError(f"class indices must be in [0, {p.shape[1]})")
    return p, t


def confidence_bins(prob, y, n_bins: int):
    """Per-bin (count, sum of confidence, number correct)."""
    p, t = check_prob_labels(prob, y)
    conf = p.max(1) if t.size else np.zeros(0)
    correct = (p.argmax(1) == t) if t.size else np.zeros(0, bool)
    # right-closed bins: ceil(conf * n) - 1, with conf == 0 kept in bin 0
    b = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(b, minlength=n_bins)
    return (count, np.bincount(b, weights=conf, minlength=n_bins),
            np.bincount(b, weights=correct.astype(np.float64), minlength=n_bins))


def expected_calibration_error(prob, y, n_bins: int = 15) -> float:
    """ECE over ``n_bins`` equal-width max-prob confidence bins; ``nan`` when empty."""
    count, sconf, scorr = confidence_bins(prob, y, n_bins)
    n = count.sum()
    return float(np.abs(scorr - sconf).sum() / n) if n else float("nan")
