"""Which label positions the corruption C(y~ | y) masks at each chain step (training and prediction)."""
from __future__ import annotations

import torch

from .noise import Noise


def training_mask(free: torch.Tensor, first: bool, mask_all_p: float, noise: Noise) -> torch.Tensor:
    """free [B, L] bool (labelled, not clamped) -> masked [B, L] bool for one walkback step.

    Each chain draws a mask rate r ~ U(0, 1) per step; at the first step a fraction ``mask_all_p``
    of chains instead masks everything (r = 1), the state prediction starts from. Uniform r trains
    the reconstruction for every amount of visible label context, from none to nearly all."""
    B, L = free.shape
    rate = noise.rand((B, 1), free.device)
    if first and mask_all_p > 0:
        rate = torch.where(noise.rand((B, 1), free.device) < mask_all_p, torch.ones_like(rate), rate)
    return free & (noise.rand((B, L), free.device) < rate)


def sweep_groups(free: torch.Tensor, groups: int, noise: Noise) -> torch.Tensor:
    """A random partition of each chain's free positions into ``groups`` groups -> ids [B, L] long.

    One sweep of the prediction chain masks group 0, then 1, ...: every free residue is
    re-decided exactly once per sweep, seeing the others' current labels (blocked Gibbs-style scan)."""
    u = noise.rand(tuple(free.shape), free.device)
    return (u * groups).long().clamp_max(groups - 1)


def prediction_mask(step: int, free: torch.Tensor, group_ids, groups: int) -> torch.Tensor:
    """Step 0 masks every free position (the neutral start); step t >= 1 masks group (t - 1) % groups."""
    if step == 0:
        return free
    return free & (group_ids == (step - 1) % groups)
