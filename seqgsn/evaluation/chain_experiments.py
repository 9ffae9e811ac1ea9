"""Experiments on a trained chain's steps: accuracy and mixing against chain length, calibration of several models.

Same conventions as :mod:`seqgsn.evaluation.experiments` (scored chains, evaluated residues).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from ..alphabet import SS8, encode_ss8, prob8_to_prob3
from ..records import LabeledRecord
from .experiments import _chain_info, _f, _scored, _sel, _truth, select_chains
from .sample_stats import autocorrelation, effective_sample_size
from .scores import evaluate

__all__ = ["chain_diagnostics", "calibration_compare"]


# ----------------------------------------------------------------------------- chain diagnostics

def _step_probs(predictor, records, steps: int, seed: int, noisy: bool) -> List[np.ndarray]:
    """Per record: (float32 [steps, L, 8], bool [steps, L]): every chain step's label distribution and
    which residues it re-decided (``Predictor.chain_trace``: same seeds as ``predict``)."""
    return predictor.chain_trace(records, steps=steps, seed=seed, noisy=noisy)


def chain_diagnostics(predictor, refs: Sequence[LabeledRecord], max_steps: int = 12, seed: int = 0,
                      *, max_chains: Optional[int] = None, ess_chains: int = 20,
                      ess_samples: int = 100, max_lag: int = 10,
                      noisy: Optional[bool] = None) -> dict:
    """How the chain's predictions depend on its length, and how fast its samples mix.

    One chain of ``max_steps`` steps per protein (``predict``'s batches and seeds; ``noisy``
    None = the model's setting), with p_t the label distribution of step t = 1..K:

    * ``q8_avg[b][k]`` / ``q3_avg[b][k]`` / ``nll8_avg[b][k]``: Q8, Q3 and mean negative
      log-likelihood (nats) of the truth under the averaged marginals
      of steps b+1..k (= ``predict(steps=k, burn_in=b)``: each residue averaged over the steps
      that re-decided it, ``seqgsn.chain.marginals``) for burn-in b = 0 and 1;
      ``None`` where k <= b.
    * ``q8_step[k]`` / ``q3_step[k]``: Q8/Q3 of step k's distribution alone (not averaged).
    * ``mean_marginal[k][cls]``: mean over evaluated residues of p_k(cls); ``truth_freq``:
      the class frequencies of the truth, ``argmax_freq[k][cls]``: of argmax p_k.
    * ``mixing`` (on ``ess_chains`` chains of the subset): ``ess_samples`` consecutive samples
      (``predictor.sample(thin=1)``, burn-in = the model's) per chain; x_t = the one-hot
      [n_eval, 8] of sample t. ``autocorrelation[lag]``: lag-k autocorrelation averaged over
      coordinates that vary, then over chains; ``ess``: effective sample size
      (:func:`seqgsn.evaluation.effective_sample_size`) per chain, summarised (mean, median,
      min, max) and as ``ess_per_sample`` = mean ESS / T; ``n_stuck``: chains whose samples
      never changed (ESS undefined).
    """
    if max_steps < 1:
        raise ValueError("max_steps must be >= 1")
    refs = _scored(refs, max_chains, seed)
    records = [r.as_record() for r in refs]
    noisy = predictor.chain.noise if noisy is None else noisy
    probs = _step_probs(predictor, records, max_steps, seed, noisy)
    truth = [_truth(r) for r in refs]
    P = np.concatenate([p[:, tr[0]] for (p, _), tr in zip(probs, truth)], axis=1).astype(np.float64)  # [T, N, 8]
    W = np.concatenate([w[:, tr[0]] for (_, w), tr in zip(probs, truth)], axis=1).astype(np.float64)  # [T, N]
    t8 = np.concatenate([tr[1] for tr in truth])
    t3 = np.concatenate([tr[2] for tr in truth])
    T, N = P.shape[:2]
    rows = np.arange(N)

    def scores(p):  # p [N, 8] -> (q8, q3, nll8)
        return (_f(np.mean(p.argmax(1) == t8)), _f(np.mean(prob8_to_prob3(p).argmax(1) == t3)),
                _f(-np.mean(np.log(np.maximum(p[rows, t8], 1e-12)))))

    csum = np.cumsum(P, axis=0)
    wsum = np.cumsum(P * W[..., None], axis=0)
    nsum = np.cumsum(W, axis=0)[..., None]
    avg = {}
    for b in (0, 1):
        res = {"q8": [], "q3": [], "nll8": []}
        for k in range(1, T + 1):
            if k <= b:
                s = (None, None, None)
            else:
                plain = (csum[k - 1] - (csum[b - 1] if b else 0.0)) / (k - b)
                n = nsum[k - 1] - (nsum[b - 1] if b else 0.0)
                w = wsum[k - 1] - (wsum[b - 1] if b else 0.0)
                s = scores(np.where(n > 0, w / np.maximum(n, 1), plain))
            for key, v in zip(("q8", "q3", "nll8"), s):
                res[key].append(v)
        avg[b] = res
    step = [scores(P[k]) for k in range(T)]
    mean_marginal = [{c: float(v) for c, v in zip(SS8, P[k].mean(0))} for k in range(T)]
    argmax_freq = [{c: float(v) for c, v in zip(SS8, np.bincount(P[k].argmax(1), minlength=8) / N)}
                   for k in range(T)]
    truth_freq = {c: float(v) for c, v in zip(SS8, np.bincount(t8, minlength=8) / N)}

    mix_refs = select_chains(refs, ess_chains, seed)
    sampled = predictor.sample([r.as_record() for r in mix_refs], n=ess_samples, thin=1, seed=seed)
    ess, acs, stuck = [], [], 0
    for r, s in zip(mix_refs, sampled):
        keep = r.eval_mask()
        idx = np.stack([encode_ss8(_sel(v, keep)) for v in s.samples])        # [T, n]
        x = np.eye(len(SS8), dtype=np.float64)[idx]                           # [T, n, 8]
        e = effective_sample_size(x) if ess_samples >= 2 else float("nan")
        if not np.isfinite(e):
            stuck += 1
            continue
        ess.append(e)
        acs.append(autocorrelation(x, max_lag))
    ac = np.nanmean(np.stack(acs), 0).tolist() if acs else []
    mixing = {"n_chains": len(mix_refs), "n_samples": ess_samples, "burn_in": predictor.chain.burn_in,
              "thin": 1, "n_stuck": stuck,
              "autocorrelation": [_f(v) for v in ac],
              "ess": {"mean": _f(np.mean(ess)) if ess else None,
                      "median": _f(np.median(ess)) if ess else None,
                      "min": _f(np.min(ess)) if ess else None,
                      "max": _f(np.max(ess)) if ess else None},
              "ess_per_sample": _f(np.mean(ess) / ess_samples) if ess else None}
    return {"n_chains": len(refs), "n_residues": int(N), "max_steps": T, "seed": seed,
            "noise": bool(noisy), "chain": _chain_info(predictor),
            "steps": list(range(1, T + 1)),
            "q8_avg": {str(b): avg[b]["q8"] for b in (0, 1)},
            "q3_avg": {str(b): avg[b]["q3"] for b in (0, 1)},
            "nll8_avg": {str(b): avg[b]["nll8"] for b in (0, 1)},
            "q8_step": [s[0] for s in step], "q3_step": [s[1] for s in step],
            "nll8_step": [s[2] for s in step],
            "mean_marginal": mean_marginal, "argmax_freq": argmax_freq, "truth_freq": truth_freq,
            "mixing": mixing}


# ----------------------------------------------------------------------------- calibration

def _nll8(prob8, truth) -> np.ndarray:
    """-log p(true 8-state label) [n] at the evaluated residues (p floored at 1e-12)."""
    keep, t8 = truth[0], truth[1]
    p = np.asarray(prob8, np.float64)[keep]
    return -np.log(np.maximum(p[np.arange(t8.size), t8], 1e-12))


def calibration_compare(predictors: Dict[str, object], refs: Sequence[LabeledRecord], *,
                        seed: int = 0, max_chains: Optional[int] = None, n_bins: int = 15) -> dict:
    """Calibration of each predictor's averaged marginals (``predict(seed=seed)``, each with its
    own chain settings) on the same chains: per name ``q8``, ``q3``, ``ece8``, ``ece3``,
    ``brier8``, ``brier3``, ``reliability`` (from :func:`seqgsn.evaluation.evaluate`, ``n_bins``
    equal-width confidence bins) and ``nll8`` (mean -log p(true 8-state label), nats)."""
    refs = _scored(refs, max_chains, seed)
    records = [r.as_record() for r in refs]
    out = {"n_chains": len(refs), "seed": seed, "models": {}}
    for name, pred in predictors.items():
        preds = pred.predict(records, seed=seed)
        scores = evaluate(refs, preds, calibration=True, segments=False, n_bins=n_bins)
        nll = np.concatenate([_nll8(p.prob8, _truth(r)) for p, r in zip(preds, refs)])
        cal = scores["calibration"]
        out["models"][name] = {"chain": _chain_info(pred), "q8": scores["q8"], "q3": scores["q3"],
                               "ece8": cal["ece8"], "ece3": cal["ece3"], "brier8": cal["brier8"],
                               "brier3": cal["brier3"], "nll8": _f(nll.mean()),
                               "n_bins": n_bins, "reliability": cal["reliability"]}
    return out
