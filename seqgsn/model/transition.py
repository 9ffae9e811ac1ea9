"""One step of the GSN transition operator over (y, h1..hL), x clamped.

Deep GSN update order (Bengio et al. 2014, Sec. 3.4, Fig. 3): at step t, h1 is updated from the
corrupted label state and h2 of step t-1; then h2..hL in order, each from the new layer below and
the previous step's layer above; y is reconstructed from h1_t alone.
Adjacent layers are joined by one weight tensor used twice: as a 1-D
convolution upward and as its transposed convolution downward (tied weights,
Zhou & Troyanskaya 2014, Sec. 3.2, "convolutional GSN").

    h1_t   = f(W_y * y~_t  +  V * v_t  [+ O * o_t]  +  W_2^T * h2_{t-1}  +  A x  + b_1)   (noise before / after f)
    h_l,t  = f(W_l * h_{l-1,t}  +  W_{l+1}^T * h_{l+1,t-1}  + b_l)              (l = 2..L, in order)
    p(y_{t+1} | h1_t, x) = softmax(W_y^T * h1_t  +  U x  + c)

With ``label_layers`` = n > 0, h1's pre-activation also gets E(y~_t, v_t): n convolutions of width
label_kernel with a GELU between them (receptive field n * (label_kernel - 1) + 1), masked at padding
after each, so a shown label can act on h1 non-linearly and over a longer range than W_y alone (the
reconstruction stays W_y^T h1, tied).

y~_t [B, 8, L] is the corrupted label state (one-hot where visible, all-zero where masked) and
v_t [B, 1, L] its visibility (1 = a label is shown): V lets h1 tell "masked" from "shown" with a
learned bias per offset, which a zero vector alone cannot. With ``provenance``, o_t [B, 1, L] (1 = the
shown label is observed: a true or clamped label, not one of the chain's draws) enters the same way
through O (and E), so one operator learns both the conditional given observed labels and the denoising
of its own guesses (``gsn.py``, label provenance). ``A x`` and ``U x`` depend only on the clamped x and
are computed once per sequence.
"""
from __future__ import annotations

import math
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .noise import Noise, gaussian


class TiedConv(nn.Module):
    """A conv weight [C_out, C_in, k] used upward (conv1d) and downward (conv_transpose1d)."""

    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in, kernel))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.pad = kernel // 2

    def up(self, x):     # [B, C_in, L] -> [B, C_out, L]
        return F.conv1d(x, self.weight, padding=self.pad)

    def down(self, h):   # [B, C_out, L] -> [B, C_in, L]  (adjoint of ``up``)
        return F.conv_transpose1d(h, self.weight, padding=self.pad)


class Transition(nn.Module):
    def __init__(self, n_labels: int, hidden, hidden_kernel: int, label_kernel: int,
                 noise_pre: float, noise_post: float, label_layers: int = 0, provenance: bool = False):
        super().__init__()
        self.hidden = tuple(hidden)
        self.provenance = provenance
        self.w_y = TiedConv(n_labels, hidden[0], label_kernel)
        self.w_vis = nn.Conv1d(1, hidden[0], label_kernel, padding=label_kernel // 2, bias=False)
        if provenance:
            self.w_obs = nn.Conv1d(1, hidden[0], label_kernel, padding=label_kernel // 2, bias=False)
        n_in = n_labels + 1 + int(provenance)
        self.w_h = nn.ModuleList(TiedConv(hidden[i], hidden[i + 1], hidden_kernel)
                                 for i in range(len(hidden) - 1))
        self.b_h = nn.ParameterList(nn.Parameter(torch.zeros(1, c, 1)) for c in hidden)
        self.b_y = nn.Parameter(torch.zeros(1, n_labels, 1))
        self.label_enc = nn.ModuleList(nn.Conv1d(n_in if i == 0 else hidden[0], hidden[0], label_kernel,
                                                 padding=label_kernel // 2) for i in range(label_layers))
        self.noise_pre = noise_pre
        self.noise_post = noise_post

    def _act(self, pre, pad, noisy: bool, noise: Noise):
        if noisy:
            pre = gaussian(pre, self.noise_pre, noise)
        h = torch.tanh(pre)
        if noisy:
            h = gaussian(h, self.noise_post, noise)
        return h * pad

    def _encode_labels(self, state, pad):
        """E(y~, v[, o]): [B, 8 + 1 (+ 1), L] -> [B, C1, L]. Masked after every layer: a conv's bias at
        padding positions would otherwise reach real residues and depend on the batch's padding."""
        z = state
        for i, conv in enumerate(self.label_enc):
            z = conv(z) * pad
            if i < len(self.label_enc) - 1:
                z = F.gelu(z)
        return z

    def forward(self, y_in, hs: List[Optional[torch.Tensor]], ctx_h1, ctx_y, pad, noisy: bool,
                noise: Noise, upper: bool = True, observed=None):
        """y_in [B, K, L] corrupted label state; hs: previous [B, C_l, L] (None at t=0);
        ctx_* from x; pad [B, 1, L] (1 = real residue); observed [B, 1, L] (``provenance`` models only):
        1 where the shown label is observed, 0 where it is a draw or hidden.

        upper=False updates h1 only (h2..hL keep their previous values): the chain's last step
        when nothing reads the next state. The logits depend on h1 alone, and h1's noise is
        drawn first, so they are the same as with the full update.
        Returns (logits_y [B, K, L], new hs).
        """
        n_layers = len(self.hidden)
        new: List[torch.Tensor] = []
        visible = y_in.sum(1, keepdim=True)                                               # [B, 1, L]
        pre = self.w_y.up(y_in) + self.w_vis(visible) + ctx_h1 + self.b_h[0].to(ctx_h1.dtype)  # [B, C1, L]
        state = [y_in, visible]
        if self.provenance:
            if observed is None:
                raise ValueError("a provenance transition needs the observed channel [B, 1, L]")
            observed = observed.to(y_in.dtype) * visible          # only a shown label can be observed
            pre = pre + self.w_obs(observed)
            state.append(observed)
        elif observed is not None:
            raise ValueError("observed is for provenance transitions (model.label_provenance)")
        if len(self.label_enc):
            pre = pre + self._encode_labels(torch.cat(state, 1), pad)
        if n_layers > 1 and hs[1] is not None:
            pre = pre + self.w_h[0].down(hs[1])
        new.append(self._act(pre, pad, noisy, noise))                      # h1_t
        for layer in range(1, n_layers if upper else 1):
            pre = self.w_h[layer - 1].up(new[layer - 1]) + self.b_h[layer].to(new[0].dtype)  # [B, C_l, L]
            if layer + 1 < n_layers and hs[layer + 1] is not None:
                pre = pre + self.w_h[layer].down(hs[layer + 1])
            new.append(self._act(pre, pad, noisy, noise))
        logits = (self.w_y.down(new[0]) + ctx_y + self.b_y.to(ctx_y.dtype)) * pad         # [B, K, L]
        return logits, new + list(hs[len(new):])
