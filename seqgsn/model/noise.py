"""Noise of the GSN transition operator (Bengio et al. 2014, Sec. 3.4; Zhou & Troyanskaya 2014, Sec. 3.3).

* hidden units: additive Gaussian noise before and after the non-linearity;
* label state: sample from the reconstruction distribution, then corrupt the
  sample by masking (-> the neutral all-zero state) or salt-and-pepper (-> a
  uniformly random class) with probability p.

All functions take an explicit ``torch.Generator`` so chains are reproducible.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def gaussian(x: torch.Tensor, std: float, gen) -> torch.Tensor:
    if std <= 0:
        return x
    # Drawn in float32 and then cast to x's dtype: the same draws at every precision, and on CPU
    # float32 randn + cast is faster than randn in bfloat16. add(alpha=) folds in the scaling.
    noise = torch.randn(x.shape, generator=gen, dtype=torch.float32, device=x.device).to(x.dtype)
    return torch.add(x, noise, alpha=std)


def sample_onehot(logits: torch.Tensor, gen) -> torch.Tensor:
    """Gumbel-max sample of a categorical over dim 1: logits [B, K, L] -> one-hot [B, K, L] (no gradient)."""
    # float32 draws even under bf16 autocast: bf16 uniforms are too coarse for the Gumbel tail
    u = torch.rand(logits.shape, generator=gen, dtype=torch.float32, device=logits.device)
    e = (-torch.log(u.clamp_min(1e-10))).clamp_min(1e-10)             # Exp(1) draws
    g = -torch.log(e)                                                  # Gumbel(0, 1)
    # max(1).indices, not argmax(1): same first-maximum index, ~10x faster over the strided dim on CPU
    idx = (logits.detach().float() + g).max(1).indices                 # [B, L]
    return F.one_hot(idx, logits.shape[1]).transpose(1, 2).to(logits.dtype)


def corrupt_labels(y: torch.Tensor, mode: str, p: float, gen) -> torch.Tensor:
    """y: [B, K, L] one-hot (or probabilities) -> corrupted state of the same shape."""
    if mode == "none" or p <= 0:
        return y
    B, K, L = y.shape
    hit = (torch.rand((B, 1, L), generator=gen, device=y.device) < p).to(y.dtype)
    if mode == "mask":
        return y * (1 - hit)
    # salt-and-pepper: replace by a uniformly random class
    rnd = torch.randint(0, K, (B, L), generator=gen, device=y.device)
    rnd = F.one_hot(rnd, K).transpose(1, 2).to(y.dtype)
    return y * (1 - hit) + rnd * hit
