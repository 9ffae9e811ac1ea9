"""x-pathway: a residual dilated convolution stack over the clamped input.

Because x is clamped during the whole chain (Zhou & Troyanskaya 2014, Sec. 3.2:
the chain samples y | x), everything that depends only on x is computed once
per sequence here and reused by every chain step.

Tensors are position-major, ``[B, L, C]`` with a bool mask ``[B, L]``; parameters keep
their ``nn.Conv1d`` shapes, so model files do not depend on the memory layout used.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..alphabet import N_AA_TOKENS


# Performance (CPU): the residual stream is kept position-major, [B, L, C] contiguous, so the
# per-position channel norm is one fused layer_norm and masking is a contiguous multiply. Each conv1d
# runs as a conv2d over a [B, C, 1, L] channels-last view, which oneDNN reads and writes in that same
# layout: no transposing copies between blocks (about 1.5x faster on CPU than channels-first with a
# composed norm). The output is contiguous when oneDNN keeps the channels-last layout (it does on
# CPU), and correct either way.
def conv_nlc(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """``conv`` applied along L of a position-major tensor: [B, L, C_in] -> [B, L, C_out].

    Same result as ``conv(x.transpose(1, 2)).transpose(1, 2)``."""
    w = conv.weight.unsqueeze(2)                                         # [C_out, C_in, 1, k]
    y = F.conv2d(x.transpose(1, 2).unsqueeze(2), w, conv.bias,           # [B, C_out, 1, L]
                 padding=(0, conv.padding[0]), dilation=(1, conv.dilation[0]))
    return y.squeeze(2).transpose(1, 2)


class ChannelNorm(nn.Module):
    """LayerNorm over channels at each position of a [B, L, C] tensor (padding-safe: no stats over L).

    The affine parameters are stored as [1, C, 1] (the channels-first shape of earlier versions)."""

    def __init__(self, c: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, c, 1))
        self.bias = nn.Parameter(torch.zeros(1, c, 1))
        self.eps = eps

    def forward(self, x):  # x: [B, L, C] -> [B, L, C]
        C = x.shape[-1]
        return F.layer_norm(x, (C,), self.weight.view(C), self.bias.view(C), self.eps)


class ResBlock(nn.Module):
    def __init__(self, c: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.norm = ChannelNorm(c)
        self.conv = nn.Conv1d(c, c, kernel, padding=dilation * (kernel // 2), dilation=dilation)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, m):  # x: [B, L, C], m: [B, L, 1] float
        # Normalised padding would be the norm's bias, not zero: mask it so a chain's output never
        # depends on how much padding its batch-mates imposed.
        return x + self.drop(F.gelu(conv_nlc(self.conv, self.norm(x) * m))) * m


class Backbone(nn.Module):
    """tokens [B, L] (+ profile [B, L, P]) -> features [B, C, L] (zero at padding).

    The features are returned as a channels-first view of a [B, L, C] tensor; the 1x1
    convolutions that read them accept either layout."""

    def __init__(self, embed_dim: int, channels: int, layers: int, kernel: int, dilations, dropout: float,
                 profile_dim: int = 0):
        super().__init__()
        # Row alphabet.MASK is the hybrid criterion's corrupted-residue token.
        self.embed = nn.Embedding(N_AA_TOKENS, embed_dim)
        self.profile = nn.Linear(profile_dim, embed_dim) if profile_dim else None
        self.inp = nn.Conv1d(embed_dim, channels, 1)
        self.blocks = nn.ModuleList(ResBlock(channels, kernel, d, dropout) for d in dilations)
        self.out_norm = ChannelNorm(channels)
        self.channels = channels

    def forward(self, tokens, mask, profile=None):
        # tokens: [B, L] int, mask: [B, L] bool, profile: [B, L, P] | None
        e = self.embed(tokens)                       # [B, L, E]
        if self.profile is not None:
            e = e + self.profile(profile)            # [B, L, E]
        m = mask.unsqueeze(-1).to(e.dtype)           # [B, L, 1]
        x = conv_nlc(self.inp, e) * m                # [B, L, C]
        for blk in self.blocks:
            x = blk(x, m)                            # [B, L, C]
        return (self.out_norm(x) * m).transpose(1, 2)  # [B, C, L]
