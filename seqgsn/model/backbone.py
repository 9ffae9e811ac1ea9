"""x-pathway: a residual dilated convolution stack over the clamped input.

Because x is clamped during the whole chain (Zhou & Troyanskaya 2014, Sec. 3.2:
the chain samples y | x), everything that depends only on x is computed once
per sequence here and reused by every chain step.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..alphabet import N_AA_TOKENS


class ChannelNorm(nn.Module):
    """LayerNorm over channels at each position of a [B, C, L] tensor (padding-safe: no stats over L)."""

    def __init__(self, c: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, c, 1))
        self.bias = nn.Parameter(torch.zeros(1, c, 1))
        self.eps = eps

    def forward(self, x):  # x: [B, C, L]
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return (x - mu) * torch.rsqrt(var + self.eps) * self.weight + self.bias


class ResBlock(nn.Module):
    def __init__(self, c: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.norm = ChannelNorm(c)
        self.conv = nn.Conv1d(c, c, kernel, padding=dilation * (kernel // 2), dilation=dilation)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, m):  # x: [B, C, L], m: [B, 1, L] float
        # Normalised padding would be the norm's bias, not zero: mask it so a chain's output never
        # depends on how much padding its batch-mates imposed.
        return x + self.drop(F.gelu(self.conv(self.norm(x) * m))) * m


class Backbone(nn.Module):
    """tokens [B, L] (+ profile [B, L, P]) -> features [B, C, L] (channels-first, zero at padding)."""

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
        m = mask.unsqueeze(1).to(e.dtype)            # [B, 1, L]
        x = self.inp(e.transpose(1, 2)) * m          # [B, C, L]
        for blk in self.blocks:
            x = blk(x, m)                            # [B, C, L]
        return self.out_norm(x) * m                  # [B, C, L]
