"""Decoding per-residue marginals ``prob8`` [L, 8] (order ``HGIEBTSC``) into one 8-state string.

* ``argmax``: the most probable state of every residue on its own (the default).
* ``segment``: the label string ``y`` maximising ``sum_i log prob8[i, y_i]`` among the strings
  whose segments respect DSSP's minimal lengths::

      H >= 4   an alpha helix is at least two consecutive 4-turns: residues i..i+3
      G >= 3   a 3-10 helix is at least two consecutive 3-turns: residues i..i+2
      I >= 5   a pi helix is at least two consecutive 5-turns: residues i..i+4
      E >= 2   a ladder of one residue pair is by definition an isolated bridge, B
      B, T, S, C: any length (a bridge is one residue; turns, bends, coil have no minimum)

  Under independent per-residue marginals this is the MAP string restricted to labellings
  DSSP can produce. It is found exactly by Viterbi over an expanded state space: state ``s``
  with minimum ``m_s`` becomes ``m_s`` sub-states "k-th residue of the segment" (k = 1..m_s,
  the last one meaning ">= m_s"); a segment may only end from its last sub-state, also at the
  end of the chain. The recursion runs left to right over residues and is vectorised over
  the 18 sub-states, O(18 L).
* ``mode_of_samples``: the per-position most frequent label of chain samples
  (:func:`seqgsn.chain.label_stats.majority_vote`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Sequence

import numpy as np

from ..alphabet import SS8, decode_ss8
from ..records import Prediction
from .label_stats import majority_vote, segments

MIN_LENGTH: Dict[str, int] = {"H": 4, "G": 3, "I": 5, "E": 2, "B": 1, "T": 1, "S": 1, "C": 1}
DECODERS = ("argmax", "segment")
_FLOOR = 1e-12          # log(0) guard: a zero probability costs log(1e-12) ~ -27.6, not -inf


def _substates(min_length: Dict[str, int]):
    """Sub-state tables: state index, position in segment (1-based), whether it is the last."""
    min_len = np.array([int(min_length[c]) for c in SS8])
    if (min_len < 1).any():
        raise ValueError(f"minimal lengths must be >= 1, got {min_length}")
    state = np.repeat(np.arange(len(SS8)), min_len)            # [S]
    first = np.concatenate(([0], np.cumsum(min_len)[:-1]))     # sub-state index of k = 1
    last = np.cumsum(min_len) - 1                               # sub-state index of k = m_s
    k = np.arange(state.size) - first[state] + 1
    return state, k, first, last


_TABLES = _substates(MIN_LENGTH)


def _check(prob8) -> np.ndarray:
    p = np.asarray(prob8, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != len(SS8):
        raise ValueError(f"prob8 must be [L, {len(SS8)}], got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("prob8 holds non-finite values")
    return p


def decode_argmax(prob8) -> str:
    """Per-residue argmax (first maximum on ties, i.e. earliest in ``HGIEBTSC``)."""
    p = _check(prob8)
    return decode_ss8(p.argmax(1)) if len(p) else ""


def log_score(prob8, labels: str) -> float:
    """``sum_i log max(prob8[i, labels_i], 1e-12)``: the objective :func:`decode_segment` maximises."""
    p = _check(prob8)
    idx = np.array([SS8.index(c) for c in labels], dtype=np.int64)
    if idx.size != len(p):
        raise ValueError(f"{len(labels)} labels for {len(p)} rows")
    return float(np.log(np.maximum(p[np.arange(len(p)), idx], _FLOOR)).sum())


def decode_segment(prob8, min_length: Dict[str, int] = MIN_LENGTH) -> str:
    """Highest-scoring string (see :func:`log_score`) whose every maximal run of a state ``s``
    is at least ``min_length[s]`` long. Always exists: B, T, S, C have minimum 1."""
    p = _check(prob8)
    L = len(p)
    if L == 0:
        return ""
    state, k, first, last = _TABLES if min_length is MIN_LENGTH else _substates(min_length)
    min_len = k[last]                                    # minimal length per state
    S = state.size
    logp = np.log(np.maximum(p, _FLOOR))[:, state]       # [L, S]: emission of each sub-state
    neg = -np.inf
    advance = k > 1                                      # k-1 -> k within a segment
    stay = k == min_len[state]                           # ">= m" sub-state loops on itself
    enter = k == 1                                       # a new segment starts here
    prev_adv = np.where(advance, np.arange(S) - 1, 0)
    back = np.zeros((L, S), dtype=np.int64)              # best predecessor sub-state
    score = np.where(enter, logp[0], neg)
    n8 = len(SS8)
    for i in range(1, L):
        full = score[last]                               # [8] best score with a complete segment
        # best complete segment of ANOTHER state (a same-state restart is just "stay")
        order = np.argsort(full)
        b1, b2 = order[-1], order[-2]
        other = np.where(np.arange(n8) == b1, b2, b1)    # [8] state to come from
        c_adv = np.where(advance, score[prev_adv], neg)
        c_stay = np.where(stay, score, neg)
        c_enter = np.where(enter, full[other][state], neg)
        cand = np.stack([c_adv, c_stay, c_enter])        # [3, S]
        pick = cand.argmax(0)
        back[i] = np.choose(pick, [prev_adv, np.arange(S), last[other][state]])
        score = cand[pick, np.arange(S)] + logp[i]
    j = int(last[np.argmax(score[last])])                # the chain must end on a complete segment
    path = np.empty(L, dtype=np.int64)
    for i in range(L - 1, -1, -1):
        path[i] = j
        j = back[i, j]
    return decode_ss8(state[path])


def min_length_violations(labels: str, min_length: Dict[str, int] = MIN_LENGTH) -> int:
    """Number of maximal runs shorter than their state's minimal length."""
    return sum(sum(1 for n in segments(labels, c) if n < min_length[c]) for c in SS8
               if min_length[c] > 1)


def decode(prob8, method: str = "argmax") -> str:
    """Dispatch on ``method`` in :data:`DECODERS`."""
    if method == "argmax":
        return decode_argmax(prob8)
    if method == "segment":
        return decode_segment(prob8)
    raise ValueError(f"unknown decoder {method!r} (known: {', '.join(DECODERS)})")


def mode_of_samples(samples: Sequence[str]) -> str:
    """Per-position most frequent label over equal-length samples (ties: earliest in HGIEBTSC)."""
    return majority_vote(list(samples))


def decode_predictions(preds: List[Prediction], method: str = "argmax") -> List[Prediction]:
    """Copies of ``preds`` whose ``ss8`` is re-decoded from ``prob8`` (``prob8`` unchanged)."""
    return [replace(p, ss8=decode(p.prob8, method)) for p in preds]
