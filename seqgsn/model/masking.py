"""Which label positions the corruption C(y~ | y) hides at each chain step (training and prediction)."""
from __future__ import annotations

from typing import Optional

import torch

from .noise import Noise


def training_mask(free: torch.Tensor, first: bool, mask_all_p: float, noise: Noise,
                  rate_power: float = 1.0, span_p: float = 0.0, span_length: float = 10.0) -> torch.Tensor:
    """free [B, L] bool (labelled, not clamped) -> masked [B, L] bool for one walkback step.

    Each chain draws a mask rate r = u ** rate_power, u ~ U(0, 1), per step; at the first step a fraction
    ``mask_all_p`` of chains instead masks everything (r = 1), the state prediction starts from. Uniform r
    (power 1) trains the reconstruction for every amount of visible label context, from none to nearly
    all; power > 1 leans towards nearly-shown states (mean r = 1 / (1 + power)). A fraction ``span_p`` of
    chains hides whole segments (``segment_draws``) instead of scattered residues, so that the step also
    learns to fill in a stretch from the labels around it, as it must next to known segments."""
    B, L = free.shape
    rate = noise.rand((B, 1), free.device) ** rate_power
    if first and mask_all_p > 0:
        rate = torch.where(noise.rand((B, 1), free.device) < mask_all_p, torch.ones_like(rate), rate)
    u = span_uniforms(noise.rand((B, L), free.device), span_p, span_length, noise)
    return free & (u < rate)


def span_uniforms(u: torch.Tensor, span_p: float, span_length: float, noise: Noise) -> torch.Tensor:
    """Uniforms u [B, L] -> [B, L]: a fraction ``span_p`` of the rows made constant along segments
    (``segment_draws``), so ``u < rate`` picks whole segments there and scattered residues elsewhere.
    span_p = 0 draws nothing (configs without the option keep their random stream)."""
    if span_p <= 0:
        return u
    return torch.where(noise.rand((u.shape[0], 1), u.device) < span_p, segment_draws(u, span_length, noise), u)


def segment_draws(u: torch.Tensor, mean_length: float, noise: Noise) -> torch.Tensor:
    """Uniforms u [B, L] -> [B, L] constant along random segments (lengths geometric with mean
    ``mean_length``; each segment takes the uniform of its first residue), so ``draws < rate`` selects
    whole segments covering about ``rate`` of the residues."""
    B, L = u.shape
    starts = noise.rand((B, L), u.device) < 1.0 / mean_length
    pos = torch.arange(L, device=u.device).expand(B, L)
    first = torch.cummax(torch.where(starts, pos, torch.zeros_like(pos)), dim=1).values       # [B, L]
    return u.gather(1, first)


def substitution_mask(free: torch.Tensor, masked: torch.Tensor, relabel_p: float, noise: Noise) -> torch.Tensor:
    """free, masked [B, L] bool -> substituted [B, L] bool: shown free residues whose label a walkback
    step swaps for the model's own guess (each chain a rate s ~ U(0, relabel_p)), so that the step
    learns to re-decide shown labels that may be wrong, as the chain's own draws can be."""
    B, L = free.shape
    rate = noise.rand((B, 1), free.device) * relabel_p
    return free & ~masked & (noise.rand((B, L), free.device) < rate)


def random_groups(free: torch.Tensor, groups: int, noise: Noise) -> torch.Tensor:
    """A random partition of each chain's positions into ``groups`` groups -> ids [B, L] long."""
    u = noise.rand(tuple(free.shape), free.device)
    return (u * groups).long().clamp_max(groups - 1)


class PredictionSchedule:
    """The prediction chain's corruption: a *reveal* sweep, then Gibbs-style sweeps.

    Steps 0..R-1 (``reveal`` = R): the free residues are split at random into R groups; step g hides
    groups >= g and commits group g (step 0 hides everything: the neutral start), so every residue
    is decided once, seeing the labels committed before it (annealing from all-masked to all-shown,
    the GSN reading of iterative mask-predict decoding). Steps R, R+1, ...: sweeps of ``groups`` = G
    steps, each sweep a fresh random partition; step g of a sweep hides and re-decides group g
    alone, every other residue shown with its current label. ``step(t)`` -> (hidden [B, L],
    committed [B, L]): what the step cannot see, and whose label it draws anew. ``reveal`` = 0: no
    reveal sweep, the sweeps start at once from the state the chain was given (``run_chain(start=...)``)."""

    def __init__(self, free: torch.Tensor, reveal: int, groups: int, noise: Noise):
        if reveal < 0 or groups < 1:
            raise ValueError(f"reveal must be >= 0 and groups >= 1, got {reveal}, {groups}")
        self.free, self.reveal, self.groups, self.noise = free, reveal, groups, noise
        self.ids: Optional[torch.Tensor] = None

    def step(self, t: int):
        if t < self.reveal:
            if t == 0:
                self.ids = random_groups(self.free, self.reveal, self.noise)
            return self.free & (self.ids >= t), self.free & (self.ids == t)
        g = (t - self.reveal) % self.groups
        if g == 0:
            self.ids = random_groups(self.free, self.groups, self.noise)
        now = self.free & (self.ids == g)
        return now, now
