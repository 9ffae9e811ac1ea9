"""SeqGSN: the conditional convolutional GSN p(y | x) with an optional hybrid x-term.

Training (walkback, Bengio et al. 2014 Sec. 3.3; Zhou & Troyanskaya 2014 Sec. 3.3):
the chain starts from a corrupted label state y~_0 (the true labels with a random
fraction kept, the rest masked to the neutral all-zero state) and is unrolled for
k steps; the cost sums the reconstruction negative log-likelihood of y at every
step. Gradients flow through the hidden units (additive Gaussian noise is
reparameterised); sampled labels are treated as constants.

Hybrid (Zöhrer & Pernkopf 2014): the visible state also holds x; a fraction of
residues is masked and reconstructed from h1 at every step (tied with the x->h1
map), giving ``lambda * sup(y) + (1 - lambda) * unsup(x)``. Unlabelled sequences
add only the x-term.

Prediction: run the chain K steps from the neutral state, average the label
distributions of the steps after burn-in. Positions with known labels are clamped:
they are reset to the known label at every step, and the known labels also enter
h1 through their own convolution (conditioning input, like x).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..alphabet import N_AA_INPUT, SS8
from ..config import ModelConfig
from . import crf
from .backbone import Backbone
from .noise import corrupt_labels, sample_onehot
from .transition import Transition

N_LABELS = len(SS8)


@dataclass
class ChainOutput:
    step_logits: List[torch.Tensor]          # each [B, L, 8]
    x_logits: List[torch.Tensor]             # each [B, L, 21] (hybrid only, else empty)
    samples: List[torch.Tensor]              # each [B, L] int: label state fed to the next step


class SeqGSN(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.backbone = Backbone(cfg.embed_dim, cfg.backbone_channels, cfg.backbone_layers,
                                 cfg.backbone_kernel, cfg.backbone_dilations, cfg.dropout, cfg.profile_dim)
        C = cfg.backbone_channels
        self.x_to_h1 = nn.Conv1d(C, cfg.hidden[0], 1)        # A x (tied downward for the x-term)
        self.x_to_y = nn.Conv1d(C, N_LABELS, 1)              # U x
        # Known (clamped) labels are conditioning input like x, on their own channel, so the
        # chain can trust them fully without learning to copy its own (noisy) label samples.
        self.clamp_to_h1 = nn.Conv1d(N_LABELS, cfg.hidden[0], cfg.label_kernel,
                                     padding=cfg.label_kernel // 2, bias=False)
        self.transition = Transition(N_LABELS, cfg.hidden, cfg.hidden_kernel, cfg.label_kernel,
                                     cfg.noise_pre, cfg.noise_post)
        self.x_out = nn.Linear(C, N_AA_INPUT)                # hybrid x reconstruction head
        self.crf_space = crf.StateSpace(tuple(cfg.crf_durations))
        if cfg.label_pairwise:
            # CRF reconstruction p(y | h1) ~ exp(s * logits + T + early exits): fitted after the
            # walkback training (seqgsn.pairwise); s = 1, T = 0, E = 0 is the factorised softmax.
            self.pairwise = nn.Parameter(torch.zeros(N_LABELS, N_LABELS))    # T[y_{i-1}, y_i]
            self.early_exit = nn.Parameter(torch.zeros(N_LABELS, max(cfg.crf_durations)))  # E[k, d]
            self.unary_scale = nn.Parameter(torch.ones(()))

    def structured_params(self) -> List[nn.Parameter]:
        """The CRF's parameters (not trained by walkback; empty without ``label_pairwise``)."""
        return [self.pairwise, self.early_exit, self.unary_scale] if self.cfg.label_pairwise else []

    def crf_transitions(self) -> torch.Tensor:
        """The CRF's state transition matrix [S, S] (``crf.StateSpace.transitions``)."""
        return self.crf_space.transitions(self.pairwise.float(), self.early_exit.float())

    def crf_unary(self, logits, mask, match_iters: int = 0, match_step: float = 0.3, trans=None):
        """Chain-step logits [B, L, 8] -> CRF unary potentials [B, L, 8] (float32).

        match_iters = 0: s * logits (the CRF fitted on top of the network). > 0: potentials whose
        CRF marginals equal the step's softmax (``crf.match_marginals``): every residue keeps the
        reconstruction distribution walkback trained, and T only couples neighbours.
        trans: ``crf_transitions()`` when the caller already has it."""
        if match_iters <= 0:
            return logits.float() * self.unary_scale.float()
        trans = self.crf_transitions() if trans is None else trans
        return crf.match_marginals(F.log_softmax(logits.float(), -1), trans, mask,
                                   match_iters, match_step, self.crf_space)

    def context(self, tokens, mask, profile=None):
        """Everything that depends only on x: computed once per sequence. -> (ctx_h1, ctx_y, m)."""
        feats = self.backbone(tokens, mask, profile)                        # [B, C, L]
        m = mask.unsqueeze(1).to(feats.dtype)                               # [B, 1, L]
        return self.x_to_h1(feats) * m, self.x_to_y(feats) * m, m

    def reconstruct_x(self, h1):
        """h1 [B, C1, L] -> x logits [B, L, 21] through the transposed x->h1 map."""
        back = F.conv_transpose1d(h1, self.x_to_h1.weight)                  # [B, C, L]
        return self.x_out(back.transpose(1, 2))

    def run_chain(self, tokens, mask, steps: int, *, profile=None, y0=None, clamp=None,
                  noisy: bool = True, sampling: Optional[str] = None, gen=None,
                  with_x: bool = False, state_dtype: Optional[torch.dtype] = None,
                  sampler: str = "independent", match_iters: int = 0,
                  match_step: float = 0.3, final_state: bool = True) -> ChainOutput:
        """Unroll the chain.

        tokens [B, L] int, mask [B, L] bool; y0 [B, L, 8] initial label state (None = neutral zeros);
        clamp = (known [B, L] bool, labels [B, L] int): reset to the known label at every step.
        sampling: 'sample' (GSN) or 'mean' (feed probabilities); default from the config.
        state_dtype: dtype of the chain's state and element-wise work (None = as computed). Prediction
        under bf16 autocast passes bfloat16 so the per-step noise, tanh and masking run in bf16
        instead of float32 with a cast before every convolution; training leaves it None.
        final_state=False: the state after the last step is not needed (prediction reads only the
        step logits), so the last step updates h1 only and draws no label state; the returned
        logits are identical, and ``samples`` has one entry fewer.
        sampler: 'independent' draws each residue's label from its softmax (the chain walkback
        trains); 'crf' draws the whole label sequence from the linear-chain CRF
        (``label_pairwise`` models; forward filtering, backward sampling, ``seqgsn.model.crf``),
        its unaries from ``crf_unary(logits, mask, match_iters, match_step)``.
        """
        if sampler == "crf" and not self.cfg.label_pairwise:
            raise ValueError("sampler 'crf' needs a model with label_pairwise")
        # the CRF's state matrix is fixed along the chain: built once, not at every step
        trans = self.crf_transitions() if sampler == "crf" else None
        sampling = sampling or self.cfg.label_sampling
        ctx_h1, ctx_y, m = self.context(tokens, mask, profile)
        if state_dtype is not None:
            ctx_h1, ctx_y, m = ctx_h1.to(state_dtype), ctx_y.to(state_dtype), m.to(state_dtype)
        B, L = tokens.shape
        y = torch.zeros(B, N_LABELS, L, dtype=ctx_y.dtype) if y0 is None else y0.transpose(1, 2) * m
        if clamp is not None:
            known, lab = clamp
            kn = known.unsqueeze(1).to(y.dtype)                             # [B, 1, L]
            onehot = F.one_hot(lab.clamp_min(0), N_LABELS).transpose(1, 2).to(y.dtype)
            ctx_h1 = ctx_h1 + self.clamp_to_h1(onehot * kn) * m             # [B, C1, L], once
            y = y * (1 - kn) + onehot * kn
        hs: List[Optional[torch.Tensor]] = [None] * len(self.cfg.hidden)
        out = ChainOutput([], [], [])
        for t in range(steps):
            last = not final_state and t == steps - 1
            logits, hs = self.transition(y, hs, ctx_h1, ctx_y, m, noisy, gen, upper=not last)  # [B, 8, L]
            out.step_logits.append(logits.transpose(1, 2))                  # [B, L, 8]
            if with_x:
                out.x_logits.append(self.reconstruct_x(hs[0]))
            if last:
                break
            if sampling == "sample" and noisy and sampler == "crf":
                u = self.crf_unary(logits.transpose(1, 2), mask, match_iters, match_step, trans)  # [B, L, 8]
                if clamp is not None:   # the draw is conditioned on the known labels, not overwritten
                    u = torch.where(known.unsqueeze(-1) & (onehot.transpose(1, 2) == 0), crf.NEG, u)
                idx = crf.sample(u, trans, mask, gen, self.crf_space)
                y = F.one_hot(idx, N_LABELS).transpose(1, 2).to(logits.dtype)   # [B, 8, L]
            elif sampling == "sample" and noisy:
                y = sample_onehot(logits, gen)
            else:
                y = torch.softmax(logits, 1) if sampling == "mean" else \
                    F.one_hot(logits.max(1).indices, N_LABELS).transpose(1, 2).to(logits.dtype)
            if clamp is not None:
                y = y * (1 - kn) + onehot * kn
            out.samples.append(y.max(1).indices)                            # [B, L] (argmax)
            if noisy:
                y = corrupt_labels(y, self.cfg.label_corruption, self.cfg.label_corruption_p, gen)
                if clamp is not None:  # known labels are never corrupted
                    y = y * (1 - kn) + onehot * kn
            y = y * m
        return out
