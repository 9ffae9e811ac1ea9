"""Temperature scaling of the averaged prediction distribution, fitted after walkback.

Guo et al. 2017 ("On calibration of modern neural networks", Sec. 4.2), applied to the GSN's
prediction, the mean of the chain's step distributions after burn-in:

    p_T(y_i) = mean_{t > burn-in} softmax(z_{t,i} / T)          z_t: the logits of chain step t

One scalar T > 0 is chosen to minimise the negative log-likelihood of the validation chains' labels
(8-state residues directly, 3-state-only residues through the group sums H+G+I, E+B, T+S+C). Dividing
the logits by a positive scalar keeps every step's argmax, so accuracy barely moves (the mean over
steps can flip near-ties); the stated confidences change. The chain's own draws keep T = 1: the
temperature belongs to the prediction (``ChainConfig.temperature``), not to the transition operator.
"""
from __future__ import annotations

import math
from typing import List, Optional

import numpy as np
import torch

from ..config import ChainConfig
from ..data.batches import Example, example_batches
from ..model.gsn import SeqGSN
from ..model.losses import log_prob3
from .label_stats import expected_calibration_error
from .marginals import chain_step_log_probs


def _steps(model: SeqGSN, examples: List[Example], chain: ChainConfig, seed: int) -> list:
    """Per batch: ((log p_t [S, N, 8], re-decided [S, N]) of the steps after burn-in, y8 [N], y3 [N])
    over labelled residues."""
    units = []
    for logp, masked, b in chain_step_log_probs(model, example_batches(examples, chain.batch_residues),
                                                chain, seed):
        keep = b["mask"] & ((b["y8"] >= 0) | (b["y3"] >= 0))                      # [B, L]
        units.append(((logp[:, keep], masked[:, keep]), b["y8"][keep], b["y3"][keep]))
    return units


def _predict(steps: tuple, T: float) -> torch.Tensor:
    """The prediction estimator of ``seqgsn.chain.marginals.chain_marginals`` at temperature T -> [N, 8]."""
    logp, masked = steps
    p = torch.softmax(logp / T, -1)                                                    # [S, N, 8]
    w = masked.unsqueeze(-1).to(p.dtype)
    n = w.sum(0)
    return torch.where(n > 0, (p * w).sum(0) / n.clamp_min(1), p.mean(0))


def nll(units: list, T: float) -> float:
    """Mean NLL per labelled residue of the temperature-T prediction."""
    tot, n = 0.0, 0
    for logp, y8, y3 in units:
        lp = torch.log(_predict(logp, T).clamp_min(1e-30))                            # [N, 8]
        has8 = y8 >= 0
        tot -= float(lp[has8].gather(-1, y8[has8].unsqueeze(-1)).sum())
        lp3 = log_prob3(lp[~has8])
        tot -= float(lp3.gather(-1, y3[~has8].unsqueeze(-1)).sum())
        n += len(y8)
    return tot / max(n, 1)


def _ece8(units: list, T: float) -> Optional[float]:
    """8-state ECE of the residues with an 8-state label; None when there are none (3-state corpora)."""
    prob = torch.cat([_predict(lp, T)[y8 >= 0] for lp, y8, _ in units]).numpy()
    y = torch.cat([y8[y8 >= 0] for _, y8, _ in units]).numpy()
    return float(expected_calibration_error(prob, y)) if len(y) else None


def fit_temperature(model: SeqGSN, examples: List[Example], chain: ChainConfig, *, seed: int = 0,
                    lo: float = 0.25, hi: float = 4.0, iters: int = 40) -> dict:
    """Golden-section search of log T in [log lo, log hi] for the validation NLL (convex enough in
    log T for a bracket search). -> {temperature, nll_before, nll_after, ece8_before, ece8_after, residues}."""
    model.eval()
    units = _steps(model, examples, chain, seed)
    a, b = math.log(lo), math.log(hi)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = nll(units, math.exp(c)), nll(units, math.exp(d))
    for _ in range(iters):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = nll(units, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = nll(units, math.exp(d))
    T = float(np.round(math.exp((a + b) / 2), 4))
    return {"temperature": T, "nll_before": nll(units, 1.0), "nll_after": nll(units, T),
            "ece8_before": _ece8(units, 1.0), "ece8_after": _ece8(units, T),
            "residues": int(sum(len(y) for _, y, _ in units))}
