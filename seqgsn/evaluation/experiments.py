"""Experiments on the generative side of a trained GSN: clamping, sampling, decoders (helpers shared by all).

The experiments take a :class:`~seqgsn.api.Predictor`; chain diagnostics and calibration
comparison are in :mod:`.chain_experiments`, the text report in :mod:`.experiment_report`.

Every experiment takes labelled references (``LabeledRecord``), runs the model on their
sequences and returns a JSON-able dict. No file I/O here.

Shared conventions:

* Only *evaluated* residues (``ref.eval_mask()``) of chains with 8-state truth are scored,
  as in :func:`seqgsn.evaluation.evaluate`. Segment lengths use each chain's evaluated residues
  concatenated in order (the same rule as ``evaluate``).
* 3-state labels of any 8-state string (sample, segment decoding, majority) are ``ss8_to_ss3`` of
  it (H,G,I->H; E,B->E; T,S,C->C): such a string has no probabilities to sum. Q3 of averaged
  marginals (the ``argmax`` decoder rows, clamping, chain diagnostics) is the argmax of the summed
  ``prob3``, as in ``evaluate``, so an ``argmax`` row repeats the numbers of a plain
  ``seqgsn evaluate`` on the same chains; the ``argmax_8to3`` rows score the argmax 8-state string
  through ``ss8_to_ss3`` like the other decoders (the like-for-like comparison of decoders).
* "argmax" is the per-residue argmax of the averaged chain marginals (``Predictor.predict``);
  "segment" is :func:`seqgsn.chain.segments.decode_segment` of the same marginals.
* ``max_chains``: score a seeded random subset of that many chains (file order kept);
  ``None`` = all.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np

from ..alphabet import SS8, encode_ss3, encode_ss8, prob8_to_prob3, ss8_to_ss3
from ..chain.label_stats import majority_vote, wasserstein1
from ..chain.label_stats import segments as segment_lengths
from ..chain.segments import decode_segment, min_length_violations
from ..errors import LabelMismatchError
from ..records import LabeledRecord, Prediction
from .scores import evaluate

__all__ = ["select_chains", "clamp_experiment", "sample_experiment", "decode_comparison"]


# ----------------------------------------------------------------------------- helpers

def _f(x) -> Optional[float]:
    x = float(x)
    return None if not np.isfinite(x) else x


def _sel(labels: str, keep: np.ndarray) -> str:
    return np.frombuffer(labels.encode("utf-32-le"), "<u4")[keep].tobytes().decode("utf-32-le")


def select_chains(refs: Sequence[LabeledRecord], max_chains: Optional[int] = None,
                  seed: int = 0) -> List[LabeledRecord]:
    """``max_chains`` chains drawn without replacement (numpy ``default_rng(seed)``), in input
    order; all of ``refs`` if ``max_chains`` is None or not smaller than ``len(refs)``."""
    refs = list(refs)
    if max_chains is None or max_chains >= len(refs):
        return refs
    if max_chains < 1:
        raise ValueError("max_chains must be >= 1")
    pick = np.sort(np.random.default_rng(seed).choice(len(refs), int(max_chains), replace=False))
    return [refs[i] for i in pick]


def _scored(refs, max_chains, seed) -> List[LabeledRecord]:
    """The chains an experiment scores: subset, 8-state truth, >= 1 evaluated residue."""
    refs = select_chains(refs, max_chains, seed)
    ids = [r.id for r in refs]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise LabelMismatchError("duplicate record id (clamps and samples are keyed by id)",
                                 record=dup)
    return [r for r in refs if r.ss8 is not None and r.eval_mask().any()]


def _truth(ref: LabeledRecord):
    """-> (keep [L] bool, t8 [n] int, t3 [n] int, ref8 str of the n evaluated labels)."""
    keep = ref.eval_mask()
    ref8 = _sel(ref.ss8, keep)
    t8 = encode_ss8(ref8, record=ref.id)
    t3 = encode_ss3(_sel(ref.ss3, keep), record=ref.id) if ref.ss3 is not None else \
        encode_ss3(ss8_to_ss3(ref8), record=ref.id)
    return keep, t8, t3, ref8


def _chain_info(predictor) -> dict:
    ch = predictor.chain
    return {"model": None if predictor.path is None else str(predictor.path),
            "steps": ch.steps, "burn_in": ch.burn_in, "noise": ch.noise}


def _pooled_ci(correct_a, correct_b, n, rng, n_boot: int) -> list:
    """95% bootstrap interval (chains resampled) of the pooled accuracy difference a - b."""
    a, b, n = (np.asarray(x, np.float64) for x in (correct_a, correct_b, n))
    if n_boot <= 0 or n.sum() == 0:
        return [None, None]
    idx = rng.integers(0, len(n), size=(n_boot, len(n)))
    tot = n[idx].sum(1)
    diff = (a[idx].sum(1) - b[idx].sum(1)) / np.where(tot > 0, tot, 1)
    lo, hi = np.percentile(diff, [2.5, 97.5])
    return [float(lo), float(hi)]


# ----------------------------------------------------------------------------- clamping

def _clamp_positions(keep: np.ndarray, fraction: float, mode: str, rng,
                     segment_length=(5, 15)) -> np.ndarray:
    """Sorted chain positions to clamp: ``round(fraction * n_eval)`` evaluated residues.

    random: uniform without replacement. segments: repeat {start = a random evaluated,
    not-yet-clamped residue; length ~ U{lo..hi}; clamp the evaluated residues of
    start..start+length-1} until the count is reached (the last segment is cut short)."""
    ev = np.flatnonzero(keep)
    k = int(round(fraction * ev.size))
    if k <= 0:
        return np.zeros(0, np.int64)
    if mode == "random":
        return np.sort(rng.choice(ev, k, replace=False))
    if mode != "segments":
        raise ValueError(f"unknown clamp mode {mode!r} (random | segments)")
    lo, hi = segment_length
    on = np.zeros(keep.size, bool)
    while on.sum() < k:
        free = np.flatnonzero(keep & ~on)
        start = int(rng.choice(free))
        span = np.arange(start, min(start + int(rng.integers(lo, hi + 1)), keep.size))
        span = span[keep[span] & ~on[span]][: k - int(on.sum())]
        on[span] = True
    return np.flatnonzero(on)


def clamp_experiment(predictor, refs: Sequence[LabeledRecord], fractions=(0.1, 0.25, 0.5),
                     modes=("random", "segments"), seed: int = 0, *,
                     segment_length=(5, 15), max_chains: Optional[int] = None,
                     noisy: Optional[bool] = None, n_boot: int = 1000) -> dict:
    """Conditional prediction with part of the true labels given.

    For every ``mode`` x ``fraction``: in each chain, ``round(fraction * n_eval)`` evaluated
    residues are clamped to their true 8-state label (``mode`` "random": uniform positions;
    "segments": contiguous runs of ``segment_length`` = (lo, hi) residues, see
    :func:`_clamp_positions`), and ``predictor.predict(records, clamps=...)`` is run
    (same ``seed`` and chain settings as the unclamped baseline).

    Measured on the FREE evaluated residues (evaluated and not clamped) only:
    ``q8_free`` / ``q3_free`` of the clamped prediction and ``q8_free_unclamped`` /
    ``q3_free_unclamped`` of the unclamped prediction on exactly the same residues;
    ``q8_gain`` = the difference (pooled over residues; paired: same residues, same chains),
    ``q8_gain_ci95``: 95% bootstrap interval over chains (``n_boot`` resamples).
    ``neighbour_agree`` / ``neighbour_agree_unclamped``: of the free evaluated residues next to a
    clamped one, the fraction whose predicted label equals that neighbour's clamp, with and without
    the clamps (equal when the clamps do not reach their neighbours through the chain).
    Q3 is the argmax of the summed ``prob3``.
    """
    refs = _scored(refs, max_chains, seed)
    records = [r.as_record() for r in refs]
    truth = [_truth(r) for r in refs]
    base = predictor.predict(records, seed=seed, noisy=noisy)
    rng = np.random.default_rng(seed)
    rows = []
    for mode in modes:
        for frac in fractions:
            if not 0.0 < float(frac) < 1.0:
                raise ValueError(f"clamp fraction must be in (0, 1), got {frac}")
            clamps, chosen = {}, []
            for r, (keep, *_rest) in zip(refs, truth):
                pos = _clamp_positions(keep, float(frac), mode, rng, segment_length)
                s = np.full(len(r.seq), "-", dtype="<U1")
                s[pos] = np.array(list(r.ss8), dtype="<U1")[pos]
                clamps[r.id] = "".join(s.tolist())
                chosen.append(pos)
            preds = predictor.predict(records, clamps=clamps, seed=seed, noisy=noisy)
            stats = np.zeros((len(refs), 5), np.int64)  # n_free, c8, c8_base, c3, c3_base
            n_clamped = 0
            near = np.zeros(3, np.int64)   # free residues next to a clamp, agreeing with it (clamped, base)
            for i, (r, p, b, pos, (keep, t8, t3, _)) in enumerate(zip(refs, preds, base, chosen, truth)):
                clamped = np.zeros(len(r.seq), bool)
                clamped[pos] = True
                free = ~clamped[keep]                               # over evaluated residues
                p8 = encode_ss8(_sel(p.ss8, keep))
                b8 = encode_ss8(_sel(b.ss8, keep))
                p3 = prob8_to_prob3(np.asarray(p.prob8)[keep]).argmax(1)
                b3 = prob8_to_prob3(np.asarray(b.prob8)[keep]).argmax(1)
                stats[i] = [free.sum(), (p8 == t8)[free].sum(), (b8 == t8)[free].sum(),
                            (p3 == t3)[free].sum(), (b3 == t3)[free].sum()]
                near += _neighbour_agreement(r.ss8, p.ss8, b.ss8, clamped, keep)
                n_clamped += pos.size
            n_free = int(stats[:, 0].sum())
            q = (stats.sum(0) / max(n_free, 1)).tolist()
            rows.append({
                "mode": mode, "fraction": float(frac), "n_clamped": int(n_clamped), "n_free": n_free,
                "q8_free": _f(q[1]) if n_free else None,
                "q8_free_unclamped": _f(q[2]) if n_free else None,
                "q8_gain": _f(q[1] - q[2]) if n_free else None,
                "q8_gain_ci95": _pooled_ci(stats[:, 1], stats[:, 2], stats[:, 0], rng, n_boot),
                "q3_free": _f(q[3]) if n_free else None,
                "q3_free_unclamped": _f(q[4]) if n_free else None,
                "q3_gain": _f(q[3] - q[4]) if n_free else None,
                "neighbour_agree": _f(near[1] / near[0]) if near[0] else None,
                "neighbour_agree_unclamped": _f(near[2] / near[0]) if near[0] else None,
            })
    n_eval = int(sum(tr[1].size for tr in truth))
    return {"n_chains": len(refs), "n_residues": n_eval, "seed": seed,
            "segment_length": list(segment_length), "chain": _chain_info(predictor),
            "noisy": noisy, "rows": rows}


def _neighbour_agreement(truth8: str, pred8: str, base8: str, clamped: np.ndarray, keep: np.ndarray):
    """-> [n, agree, agree_base]: free evaluated residues i with a clamped i-1 or i+1, and how many
    of them are predicted as that clamped neighbour's label (the left one when both are clamped)."""
    out = np.zeros(3, np.int64)
    L = len(truth8)
    for i in range(L):
        if clamped[i] or not keep[i]:
            continue
        j = i - 1 if i > 0 and clamped[i - 1] else (i + 1 if i + 1 < L and clamped[i + 1] else -1)
        if j < 0:
            continue
        out += (1, pred8[i] == truth8[j], base8[i] == truth8[j])
    return out


# ----------------------------------------------------------------------------- sampling

def _lengths(strings8: List[str], cls: str) -> List[int]:
    return [n for s in strings8 for n in segment_lengths(ss8_to_ss3(s), cls)]


def _length_summary(lengths: List[int], per: float, truth: List[int]) -> dict:
    return {"n_segments": _f(len(lengths) / per), "mean": _f(np.mean(lengths)) if lengths else None,
            "w1_vs_truth": _f(wasserstein1(lengths, truth)),
            "hist": (np.bincount(np.asarray(lengths, np.int64), minlength=31)[1:31] / per).tolist()}


def _decoder_scores(refs, strings8: List[str], preds: Optional[Sequence[Prediction]] = None) -> dict:
    """q8, q3, sov3 (chain SOV'99 weighted by evaluated residues) of full-length 8-state strings, one
    per ref; plus min-length violations per 100 evaluated residues. 3-state: ``ss8_to_ss3`` of the
    strings, or, given ``preds`` (whose ``ss8`` are the strings), their summed-``prob3`` argmax, so
    the scores equal :func:`evaluate` of ``preds``."""
    if preds is None:      # no prob8: evaluate maps each 8-state string to 3 states
        preds = [Prediction(r.id, r.seq, s, None) for r, s in zip(refs, strings8)]
    scores = evaluate(list(refs), list(preds), calibration=False, segments=False)
    viol = sum(min_length_violations(_sel(s, r.eval_mask())) for r, s in zip(refs, strings8))
    return {"q8": scores["q8"], "q3": scores["q3"], "sov3": scores["sov3"],
            "violations_per_100": _f(100.0 * viol / max(scores["n_residues"], 1))}


def decode_comparison(refs: Sequence[LabeledRecord], preds: Sequence[Prediction]) -> dict:
    """Q8, Q3, SOV3 and min-length violations per 100 evaluated residues of the decodings of
    ``preds[i].prob8``: ``argmax`` (``preds`` as they are; 3-state = argmax of the summed ``prob3``,
    so exactly :func:`evaluate` of ``preds``), ``argmax_8to3`` (the same 8-state strings, 3-state =
    ``ss8_to_ss3``) and ``segment`` (:func:`decode_segment`, 3-state = ``ss8_to_ss3``)."""
    refs = list(refs)
    arg = [p.ss8 for p in preds]
    seg = [decode_segment(p.prob8) for p in preds]
    return {"argmax": _decoder_scores(refs, arg, preds), "argmax_8to3": _decoder_scores(refs, arg),
            "segment": _decoder_scores(refs, seg)}


def _truth_split_w1(truth_by_chain: List[List[int]], rng, n_splits: int) -> dict:
    """W1 between the truth length distributions of two random halves of the chains."""
    w = []
    c = len(truth_by_chain)
    for _ in range(n_splits):
        perm = rng.permutation(c)
        a = [x for i in perm[: c // 2] for x in truth_by_chain[i]]
        b = [x for i in perm[c // 2:] for x in truth_by_chain[i]]
        w.append(wasserstein1(a, b))
    w = np.asarray(w, np.float64)
    w = w[np.isfinite(w)]
    return {"mean": _f(w.mean()) if w.size else None, "sd": _f(w.std()) if w.size else None,
            "max": _f(w.max()) if w.size else None, "n_splits": int(n_splits)}


def sample_experiment(predictor, refs: Sequence[LabeledRecord], n: int = 20,
                      burn_in: Optional[int] = None, thin: int = 1, seed: int = 0, *,
                      max_chains: Optional[int] = None, n_splits: int = 20,
                      noisy: Optional[bool] = None, sampler: Optional[str] = None) -> dict:
    """Samples of the chain vs the averaged-marginal prediction vs the truth.

    ``n`` samples per chain from ``predictor.sample(n=n, burn_in=burn_in, thin=thin, seed=seed,
    sampler=sampler)`` (``burn_in`` / ``sampler`` None = the model's); the averaged marginals from
    ``predictor.predict(seed=seed)``.
    Outputs (evaluated residues only):

    * ``segments[cls]`` for cls in H, E (3-state segment lengths): for ``truth``, ``samples``
      (all samples pooled; ``n_segments`` and ``hist`` divided by ``n``: per labelling of the set),
      ``argmax``, ``segment`` and ``majority``: number of segments, mean length,
      ``w1_vs_truth`` (Wasserstein-1 in residues between its length distribution and the
      truth's) and ``hist`` (counts of lengths 1..30). ``truth_split``: reference W1 between
      the truth distributions of two random halves of the chains (mean/sd/max over
      ``n_splits`` splits): the size of W1 that chain-to-chain variation alone gives.
    * ``diversity``: for two different samples of the same protein, the fraction of
      positions where they differ, averaged over all sample pairs: per position
      ``(n^2 - sum_k c_k^2) / (n (n-1))`` with ``c_k`` the count of label k; ``pooled`` over
      residues and ``chain_mean``.
    * ``majority_agreement``: fraction of residues where the per-position majority of the
      samples (:func:`seqgsn.evaluation.majority_vote`) equals the argmax of the averaged
      marginals (pooled; ``chain_mean`` too), and the same against the
      segment decoding.
    * ``decoders``: q8/q3/sov3/violations_per_100 of ``single_sample`` (mean and sd over the n
      samples), ``majority``, ``argmax`` (3-state from the summed ``prob3``, as ``evaluate``),
      ``argmax_8to3`` and ``segment`` (3-state: ``ss8_to_ss3`` of the string, as for the samples).
    """
    if n < 2:
        raise ValueError("sample_experiment needs n >= 2 (diversity compares sample pairs)")
    refs = _scored(refs, max_chains, seed)
    records = [r.as_record() for r in refs]
    preds = predictor.predict(records, seed=seed, noisy=noisy)
    sampler = sampler or predictor.chain.sampler
    sampled = predictor.sample(records, n=n, burn_in=burn_in, thin=thin, seed=seed, sampler=sampler)
    truth = [_truth(r) for r in refs]
    argmax = [p.ss8 for p in preds]
    segment = [decode_segment(p.prob8) for p in preds]
    majority = [majority_vote(s.samples) for s in sampled]

    def ev(strings, i):   # evaluated part of string list entry i
        return _sel(strings[i], truth[i][0])

    out_seg = {}
    rng = np.random.default_rng(seed)
    for cls in "HE":
        tr_chain = [_lengths([tr[3]], cls) for tr in truth]
        tr = [x for c in tr_chain for x in c]
        samp = [x for i, s in enumerate(sampled) for x in _lengths([_sel(v, truth[i][0]) for v in s.samples], cls)]
        out_seg[cls] = {
            "truth": {"n_segments": len(tr), "mean": _f(np.mean(tr)) if tr else None,
                      "hist": np.bincount(np.asarray(tr, np.int64), minlength=31)[1:31].tolist()},
            "samples": _length_summary(samp, n, tr),
            "argmax": _length_summary(_lengths([ev(argmax, i) for i in range(len(refs))], cls), 1, tr),
            "segment": _length_summary(_lengths([ev(segment, i) for i in range(len(refs))], cls), 1, tr),
            "majority": _length_summary(_lengths([ev(majority, i) for i in range(len(refs))], cls), 1, tr),
            "truth_split": _truth_split_w1(tr_chain, rng, n_splits),
        }

    div_sum = div_n = 0.0
    div_chain, agree_chain = [], []
    agree = agree_seg = 0
    n_res = 0
    for i, s in enumerate(sampled):
        keep = truth[i][0]
        idx = np.stack([encode_ss8(_sel(v, keep)) for v in s.samples])       # [n, m]
        counts = np.stack([(idx == k).sum(0) for k in range(len(SS8))], 1)  # [m, 8]
        d = (n * n - (counts.astype(np.float64) ** 2).sum(1)) / (n * (n - 1))
        div_sum += d.sum()
        div_n += d.size
        div_chain.append(float(d.mean()))
        maj = ev(majority, i)
        a = sum(x == y for x, y in zip(maj, ev(argmax, i)))
        agree += a
        agree_seg += sum(x == y for x, y in zip(maj, ev(segment, i)))
        agree_chain.append(a / len(maj))
        n_res += len(maj)

    singles = [_decoder_scores(refs, [s.samples[k] for s in sampled]) for k in range(n)]
    single = {key: (_f(np.mean([x[key] for x in singles])) if all(x[key] is not None for x in singles)
                    else None) for key in singles[0]}
    single["q8_sd"] = _f(np.std([x["q8"] for x in singles]))
    return {
        "n_chains": len(refs), "n_residues": n_res, "n_samples": n,
        "burn_in": predictor.chain.burn_in if burn_in is None else burn_in, "thin": thin,
        "sampler": sampler, "seed": seed, "chain": _chain_info(predictor), "noisy": noisy,
        "segments": out_seg,
        "diversity": {"pooled": _f(div_sum / max(div_n, 1)), "chain_mean": _f(np.mean(div_chain))},
        "majority_agreement": {"argmax": _f(agree / max(n_res, 1)),
                               "argmax_chain_mean": _f(np.mean(agree_chain)),
                               "segment": _f(agree_seg / max(n_res, 1))},
        "decoders": {"single_sample": single, "majority": _decoder_scores(refs, majority),
                     "argmax": _decoder_scores(refs, argmax, preds),
                     "argmax_8to3": _decoder_scores(refs, argmax),
                     "segment": _decoder_scores(refs, segment)},
    }
