"""The SOV'99 segment-overlap score (segments themselves: :mod:`seqgsn.chain.label_stats`).

SOV'99 (Zemla, Venclovas, Fidelis & Rost, Proteins 34:220, 1999; the definition restated
as "SOV'99" in Liu & Wang, SOV_refine, Source Code Biol. Med. 13:1, 2018). For each state
i, with s1 an observed (reference) segment and s2 a predicted segment, both of state i::

    S(i)  = {(s1, s2) : s1 and s2 overlap}            (every overlapping pair)
    S'(i) = {s1 : no s2 of state i overlaps s1}
    N(i)  = sum_{(s1,s2) in S(i)} len(s1) + sum_{s1 in S'(i)} len(s1)
    SOV   = sum_i sum_{S(i)} [minov + delta] / maxov * len(s1)  /  sum_i N(i)
    minov = residues in s1 ∩ s2,  maxov = extent of s1 ∪ s2 (first to last residue)
    delta = min(maxov - minov, minov, len(s1) // 2, len(s2) // 2)

A reference segment overlapping k predicted segments contributes len(s1) k times to N.
Returned as a fraction in [0, 1] (the papers print percentages).
"""
from __future__ import annotations

import numpy as np

from ..chain.label_stats import segment_bounds
from ..errors import LabelMismatchError


def sov99_terms(ref: str, pred: str, cls: str) -> tuple[float, int]:
    """``(sum over S(i) of (minov+delta)/maxov*len(s1), N(i))`` for one state ``cls``."""
    rs, re = segment_bounds(ref, cls)
    ps, pe = segment_bounds(pred, cls)
    if rs.size == 0:
        return 0.0, 0
    len1 = (re - rs + 1)[:, None]
    len2 = (pe - ps + 1)[None, :]
    overlap = (rs[:, None] <= pe[None, :]) & (ps[None, :] <= re[:, None])   # [n1, n2]
    minov = np.minimum(re[:, None], pe[None, :]) - np.maximum(rs[:, None], ps[None, :]) + 1
    maxov = np.maximum(re[:, None], pe[None, :]) - np.minimum(rs[:, None], ps[None, :]) + 1
    delta = np.minimum(np.minimum(maxov - minov, minov), np.minimum(len1 // 2, len2 // 2))
    term = np.where(overlap, (minov + delta) / maxov * len1, 0.0).sum()
    # each overlapping pair adds len(s1); an unmatched s1 (S') adds it once
    n = int((len1[:, 0] * np.maximum(overlap.sum(1), 1)).sum())
    return float(term), n


def sov99(ref: str, pred: str, classes: str = "HEC") -> float:
    """SOV'99 of ``pred`` against ``ref`` over the states in ``classes`` (fraction in [0, 1]).

    Letters not in ``classes`` take part in no segment. ``nan`` when ``ref`` has no segment
    of any of ``classes`` (e.g. an empty string): the score is undefined there.
    """
    if len(ref) != len(pred):
        raise LabelMismatchError(f"SOV: reference has {len(ref)} labels, prediction {len(pred)}")
    total, n = 0.0, 0
    for c in classes:
        t, k = sov99_terms(ref, pred, c)
        total += t
        n += k
    return total / n if n else float("nan")
