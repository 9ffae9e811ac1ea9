"""``evaluate``: all scores of a list of predictions against labelled references.

Conventions (the docstring of :func:`evaluate` lists every output key):

* Only residues where ``ref.eval_mask()`` is True are *evaluated*; everything is computed on
  those alone. For segment scores (SOV, segment lengths) each chain's evaluated residues
  are concatenated in order and the masked-out ones dropped, so segments on both sides of
  a masked gap of the same state merge into one. This is the simplest rule that treats
  reference and prediction identically; it differs from scoring the full chain only where
  masks cut through segments.
* 8-state truth is ``ref.ss8``; chains whose ``ss8`` is None are skipped by every 8-state
  score but still count for the 3-state ones (truth ``ref.ss3``).
* 8-state prediction is ``pred.ss8``; the 3-state prediction is ``pred.ss3`` (argmax of the
  summed probabilities H+G+I, E+B, T+S+C), or ``ss8_to_ss3(pred.ss8)`` if ``prob8`` is None.
* Pooled scores (``q8``, ``q3``, per-class, confusion, calibration) weight every evaluated
  residue equally; ``*_chain_mean`` weight every chain equally.
* Undefined values (no residue to score) are ``None``, so the dict is valid JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..alphabet import SS3, SS8, encode_ss3, encode_ss8, prob8_to_prob3, ss8_to_ss3
from ..chain.label_stats import segments as segment_lengths
from ..chain.label_stats import wasserstein1
from ..errors import AlphabetError, LabelMismatchError
from ..records import LabeledRecord, Prediction
from .calibration import brier, expected_calibration_error, reliability_bins
from .residue import confusion_matrix, per_class_scores
from .sov import sov99


@dataclass
class _Chain:
    """Evaluated residues of one chain (arrays [n])."""
    id: str
    n: int
    t3: np.ndarray
    p3: np.ndarray
    ref3: str                           # evaluated 3-state truth / prediction as strings
    pred3: str
    t8: Optional[np.ndarray]            # None when the reference has no ss8
    p8: Optional[np.ndarray]
    prob8: Optional[np.ndarray]         # float64 [n, 8] or None
    length: int = 0                     # whole chain, evaluated or not


def _f(x) -> Optional[float]:
    x = float(x)
    return None if np.isnan(x) else x


def _select(labels: str, keep: np.ndarray) -> str:
    return np.frombuffer(labels.encode("utf-32-le"), "<u4")[keep].tobytes().decode("utf-32-le")


def _encode_at(labels: str, keep: np.ndarray, encoder, rid: str) -> tuple[np.ndarray, str]:
    """Encode only the evaluated labels (masked-out ones may hold any symbol)."""
    sub = _select(labels, keep)
    try:
        return encoder(sub, record=rid), sub
    except AlphabetError as e:          # report the position in the full chain
        pos = None if e.position is None else int(np.flatnonzero(keep)[e.position - 1]) + 1
        raise AlphabetError(e.reason, record=rid, position=pos) from None


def _check_pair(i: int, ref: LabeledRecord, pred: Prediction, need_prob: bool) -> np.ndarray:
    rid = ref.id
    if pred.id != ref.id:
        raise LabelMismatchError(f"prediction #{i + 1} is for {pred.id!r}, not this reference",
                                 record=rid)
    n = len(ref.seq)
    lengths = {"prediction sequence": len(pred.seq), "predicted ss8": len(pred.ss8),
               "reference ss8": None if ref.ss8 is None else len(ref.ss8),
               "reference ss3": None if ref.ss3 is None else len(ref.ss3)}
    if pred.prob8 is not None:
        shape = np.shape(pred.prob8)
        if len(shape) != 2 or shape[1] != len(SS8):
            raise LabelMismatchError(f"prob8 has shape {shape}, expected [{n}, 8]", record=rid)
        lengths["prob8"] = shape[0]
    elif need_prob:
        raise LabelMismatchError("prediction has no prob8 but calibration was asked for",
                                 record=rid)
    keep = ref.eval_mask()
    lengths["mask"] = keep.shape[0] if keep.ndim == 1 else None
    for what, m in lengths.items():
        if m is not None and m != n:
            raise LabelMismatchError(f"{what} has length {m}, reference sequence {n}", record=rid)
    if keep.ndim != 1:
        raise LabelMismatchError(f"mask must be 1-D, has shape {keep.shape}", record=rid)
    if ref.ss8 is None and ref.ss3 is None:
        raise LabelMismatchError("reference has neither ss8 nor ss3 labels", record=rid)
    if pred.seq.upper() != ref.seq.upper():
        pos = next(j for j, (a, b) in enumerate(zip(pred.seq.upper(), ref.seq.upper())) if a != b)
        raise LabelMismatchError("prediction sequence differs from reference", record=rid,
                                 position=pos + 1)
    return keep


def _chain(i: int, ref: LabeledRecord, pred: Prediction, need_prob: bool) -> _Chain:
    keep = _check_pair(i, ref, pred, need_prob)
    rid = ref.id
    t3, ref3 = _encode_at(ref.ss3 if ref.ss3 is not None else ss8_to_ss3(ref.ss8), keep,
                          encode_ss3, rid)
    p8, pred8 = _encode_at(pred.ss8, keep, encode_ss8, rid)
    if pred.prob8 is not None:
        prob8 = np.asarray(pred.prob8, dtype=np.float64)[keep]
        pred3 = _select(pred.ss3, keep)
    else:
        prob8, pred3 = None, ss8_to_ss3(pred8)
    t8 = None if ref.ss8 is None else _encode_at(ref.ss8, keep, encode_ss8, rid)[0]
    return _Chain(rid, int(keep.sum()), t3, encode_ss3(pred3, record=rid), ref3, pred3,
                  t8, None if t8 is None else p8, prob8, len(ref.seq))


def _cat(arrays, dtype=np.int64, width=None) -> np.ndarray:
    if arrays:
        return np.concatenate(arrays)
    return np.zeros((0,) if width is None else (0, width), dtype=dtype)


def _segment_stats(chains: list[_Chain], cls: str) -> dict:
    truth = [x for c in chains for x in segment_lengths(c.ref3, cls)]
    pred = [x for c in chains for x in segment_lengths(c.pred3, cls)]
    top = max(truth + pred, default=0)
    ht = np.bincount(np.asarray(truth, dtype=np.int64), minlength=top + 1)[1:]
    hp = np.bincount(np.asarray(pred, dtype=np.int64), minlength=top + 1)[1:]
    return {"lengths": list(range(1, top + 1)), "truth": ht.tolist(), "pred": hp.tolist(),
            "n_truth": len(truth), "n_pred": len(pred),
            "mean_truth": _f(np.mean(truth)) if truth else None,
            "mean_pred": _f(np.mean(pred)) if pred else None,
            "w1": _f(wasserstein1(truth, pred))}


def evaluate(refs: list[LabeledRecord], preds: list[Prediction], *, calibration: bool = True,
             segments: bool = True, n_bins: int = 15) -> dict:
    """Score ``preds`` against ``refs`` (matched by position; ids, sequences, lengths must agree).

    Raises :class:`LabelMismatchError` naming the record when ids, sequences or any length
    (labels, ``prob8`` rows, mask) differ, when the lists differ in length, or when a
    reference has no labels; :class:`AlphabetError` for a bad label at an evaluated position.

    Returns a JSON-able dict:

    * ``n_chains`` / ``n_residues``: chains with >= 1 evaluated residue / evaluated residues
      (3-state); ``n_chains8`` / ``n_residues8`` the same for chains with 8-state truth;
      ``n_chains_empty``: chains with no evaluated residue (ignored everywhere).
    * ``q8``, ``q3``: per-residue accuracy pooled over all evaluated residues.
    * ``q8_chain_mean``, ``q3_chain_mean``: mean over chains of per-chain accuracy.
    * ``q8_i_as_h``: Q8 with pi-helix (I) scored as alpha-helix (H) in truth and prediction, the
      convention of DSSP before 2.1 (alpha-helix priority), under which most training corpora were
      labelled; benchmarks labelled with newer DSSP (pi-helix priority) hold more I.
    * ``sov3``: SOV'99 on 3 states (:func:`seqgsn.evaluation.sov.sov99`) per chain on its
      evaluated residues (masked residues removed, the rest joined), averaged over chains weighted by
      their evaluated residues; ``sov3_chain_mean``: the unweighted chain mean. Zemla et al. (1999)
      define SOV per chain only and published tables average it in different ways (CB513: 66.39
      weighted, 66.65 unweighted, 65.57 pooled sum S / sum N for the bundled model), so a comparison
      across papers must use the same average.
    * ``per_class``: ``{"ss8": {cls: {precision, recall, f1, support}}, "ss3": {...}}``
      (sklearn ``precision_recall_fscore_support``; absent classes appear with zeros);
      ``"ss8"`` is None when no evaluated residue has 8-state truth (``n_residues8`` 0, e.g. a
      3-state-only corpus), ``"ss3"`` None when nothing is evaluated.
    * ``confusion8`` / ``confusion3``: lists of lists, rows = truth, columns = prediction,
      order ``labels8`` = ``HGIEBTSC`` / ``labels3`` = ``HEC``; None under the same conditions
      as ``per_class``.
    * ``per_chain``: ``[{id, n_residues, q8, q3, sov3, n_residues8, correct8, length}]`` in input
      order (q8 None and the 8-state counts 0 without ss8; ``length`` = all residues of the chain),
      for paired comparisons of two models and the Q8-against-length figure.
    * ``calibration`` (if asked): ``ece8``, ``ece3`` (``n_bins`` equal-width bins on max-prob
      confidence), ``brier8``, ``brier3`` (sum over classes, mean over residues),
      ``n_bins`` and ``reliability`` (8-state; per bin lower, upper, count, confidence,
      accuracy). 3-state probabilities are the summed ``prob3``.
    * ``segments`` (if asked): for ``H`` and ``E`` (3-state), histograms of segment lengths
      (``lengths`` 1..max, counts ``truth`` / ``pred``), their counts and means, and ``w1``,
      the Wasserstein-1 distance between the two length distributions (in residues).
    """
    if len(refs) != len(preds):
        extra = refs[len(preds)].id if len(refs) > len(preds) else preds[len(refs)].id
        raise LabelMismatchError(f"{len(refs)} references but {len(preds)} predictions",
                                 record=extra)
    all_chains = [_chain(i, r, p, calibration) for i, (r, p) in enumerate(zip(refs, preds))]
    chains = [c for c in all_chains if c.n > 0]
    chains8 = [c for c in chains if c.t8 is not None]

    t3, p3 = _cat([c.t3 for c in chains]), _cat([c.p3 for c in chains])
    t8, p8 = _cat([c.t8 for c in chains8]), _cat([c.p8 for c in chains8])
    q3_chain = [float(np.mean(c.t3 == c.p3)) for c in chains]
    q8_chain = [float(np.mean(c.t8 == c.p8)) for c in chains8]
    sov_chain = [sov99(c.ref3, c.pred3, SS3) for c in chains]
    n_chain = np.array([c.n for c in chains], dtype=np.float64)

    q8_of = {id(c): q for c, q in zip(chains8, q8_chain)}
    per_chain = [{"id": c.id, "n_residues": c.n, "q8": q8_of.get(id(c)), "q3": q, "sov3": s,
                  "n_residues8": 0 if c.t8 is None else int(c.t8.size),
                  "correct8": 0 if c.t8 is None else int((c.t8 == c.p8).sum()), "length": c.length}
                 for c, q, s in zip(chains, q3_chain, sov_chain)]
    out = {
        "n_chains": len(chains), "n_residues": int(t3.size),
        "n_chains8": len(chains8), "n_residues8": int(t8.size),
        "n_chains_empty": len(all_chains) - len(chains),
        "q8": _f(np.mean(t8 == p8)) if t8.size else None,
        "q8_i_as_h": _f(np.mean(_i_as_h(t8) == _i_as_h(p8))) if t8.size else None,
        "q3": _f(np.mean(t3 == p3)) if t3.size else None,
        "q8_chain_mean": _f(np.mean(q8_chain)) if q8_chain else None,
        "q3_chain_mean": _f(np.mean(q3_chain)) if q3_chain else None,
        "sov3": _f(np.dot(n_chain, sov_chain) / n_chain.sum()) if chains else None,
        "sov3_chain_mean": _f(np.mean(sov_chain)) if chains else None,
        # no reference labels of a kind (e.g. a 3-state-only corpus): null, not a table of zeros that
        # reads as "every class missed"
        "per_class": {"ss8": per_class_scores(t8, p8, SS8) if t8.size else None,
                      "ss3": per_class_scores(t3, p3, SS3) if t3.size else None},
        "labels8": SS8, "labels3": SS3,
        "confusion8": confusion_matrix(t8, p8, len(SS8)).tolist() if t8.size else None,
        "confusion3": confusion_matrix(t3, p3, len(SS3)).tolist() if t3.size else None,
        "per_chain": per_chain,
    }
    if calibration:
        prob8_all = _cat([c.prob8 for c in chains], np.float64, len(SS8))
        prob8_8 = _cat([c.prob8 for c in chains8], np.float64, len(SS8))
        prob3 = prob8_to_prob3(prob8_all)
        out["calibration"] = {
            "n_bins": n_bins,
            "ece8": _f(expected_calibration_error(prob8_8, t8, n_bins)),
            "ece3": _f(expected_calibration_error(prob3, t3, n_bins)),
            "brier8": _f(brier(prob8_8, t8)),
            "brier3": _f(brier(prob3, t3)),
            "reliability": reliability_bins(prob8_8, t8, n_bins),
        }
    if segments:
        out["segments"] = {cls: _segment_stats(chains, cls) for cls in "HE"}
    return out


def _i_as_h(labels8: np.ndarray) -> np.ndarray:
    return np.where(labels8 == SS8.index("I"), SS8.index("H"), labels8)
