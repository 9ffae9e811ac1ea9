"""Costs of the walkback criterion.

Label cost of one step: negative log-likelihood of the true label under the
reconstruction distribution. Residues with only a 3-state label use the
compatible-class marginal  -log sum_{c in group(y3)} p(c)  with the groups
H={H,G,I}, E={E,B}, C={T,S,C}; unlabelled or masked residues add nothing.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..alphabet import SS8_TO_SS3_INDEX

_GROUPS = [[i for i, g in enumerate(SS8_TO_SS3_INDEX.tolist()) if g == j] for j in range(3)]


def log_prob3(logp8: torch.Tensor) -> torch.Tensor:
    """[..., 8] log-probabilities -> [..., 3] by log-sum-exp over each 3-state group."""
    return torch.stack([torch.logsumexp(logp8[..., g], -1) for g in _GROUPS], -1)


def label_nll(logits: torch.Tensor, y8: torch.Tensor, y3: torch.Tensor, weight: torch.Tensor):
    """logits [B, L, 8]; y8, y3 [B, L] (-1 = none); weight [B, L] float. -> (sum nll, count)."""
    s, n = label_nll_per_chain(logits, y8, y3, weight)
    return s.sum(), n.sum()


def label_nll_per_chain(logits: torch.Tensor, y8: torch.Tensor, y3: torch.Tensor, weight: torch.Tensor):
    """As ``label_nll``, per chain: -> (sum nll [B], count [B])."""
    logp = F.log_softmax(logits, -1)
    has8 = y8 >= 0
    has3 = (~has8) & (y3 >= 0)
    nll8 = -logp.gather(-1, y8.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    nll3 = -log_prob3(logp).gather(-1, y3.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    w8 = weight * has8
    w3 = weight * has3
    return (nll8 * w8).sum(-1) + (nll3 * w3).sum(-1), w8.sum(-1) + w3.sum(-1)


def step_weights(how: str, k: int, first_share: float = 0.5) -> list:
    """Weights of the k walkback steps' costs: uniform | last | first (``first_share`` on step 1, whose
    state is a corruption of the true labels alone, the rest shared by the steps that also show the
    chain's draws)."""
    if how == "uniform" or k == 1:
        return [1.0 / k] * k
    if how == "last":
        return [0.0] * (k - 1) + [1.0]
    return [first_share] + [(1.0 - first_share) / (k - 1)] * (k - 1)


def walkback_label_cost(step_logits, step_decided, y8, y3, weight, weights, mask_weighting: str) -> torch.Tensor:
    """Supervised walkback cost: sum over steps of weight_t x the mean NLL of the residues step t decided.

    step_logits: each [B, L, 8]; step_decided: each [B, L] bool; weight [B, L] (0 = not scored).
    Only decided residues count (Bengio et al. 2013, Sec. 3.1: under masking corruption the reconstruction
    of a shown residue is the identity; training it to copy would spend the label pathway on copying).
    mask_weighting 'residue' pools the batch's decided residues, so a chain counts in proportion to its mask
    rate and nearly-shown states weigh little; 'chain' averages within each chain first, then over chains."""
    cost = torch.zeros((), device=y8.device)
    for w, lg, decided in zip(weights, step_logits, step_decided):
        s, n = label_nll_per_chain(lg, y8, y3, weight * decided)
        if mask_weighting == "chain":
            has = n > 0
            cost = cost + w * (s[has] / n[has]).sum() / has.sum().clamp_min(1)
        else:
            cost = cost + w * s.sum() / n.sum().clamp_min(1)
    return cost


def x_nll(x_logits: torch.Tensor, tokens: torch.Tensor, where: torch.Tensor):
    """Hybrid x-term: NLL of the original residue at corrupted positions. -> (sum, count)."""
    # float32: under CPU bf16 autocast the x head's logits, their log_softmax and the sum over
    # thousands of residues would stay bfloat16 (the logged x-term moved in steps of 0.0156)
    logp = F.log_softmax(x_logits.float(), -1)
    t = tokens.clamp_max(x_logits.shape[-1] - 1)
    nll = -logp.gather(-1, t.unsqueeze(-1)).squeeze(-1)
    w = where.to(nll.dtype)
    return (nll * w).sum(), w.sum()
