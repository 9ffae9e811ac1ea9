"""Linear-chain CRF over the label sequence: the GSN's structured reconstruction distribution.

    p(y | u) ~ exp( sum_i u_i[y_i] + sum_{i>0} T[y_{i-1}, y_i] + early-exit terms )

u [B, L, K] are unary potentials over the K labels (the chain step's logits), T [K, K] the
pairwise potentials. With T = 0 it is the factorised softmax the walkback criterion trains.

Durations. DSSP helices are never shorter than 4 residues (G 3, I 5), a fact a first-order
chain over labels cannot express: its draws scatter 1-2 residue "helices" wherever p(H) is
middling. Each label k therefore runs through ``durations[k]`` counter states (k,1)..(k,D_k)
(an explicit-duration, "expanded state" HMM; e.g. Murphy 2002, Sec. 2.3.4): leaving label k
after only d < D_k residues adds a learned early-exit potential E[k, d]. The structure lives in
a :class:`StateSpace`; every function below works on states and reports labels. All durations
1 is the plain first-order CRF.

Sampling a whole label sequence (forward filtering, backward sampling) draws segments that are
coherent along the sequence, where independent per-residue draws fragment every helix whose
marginals are not near 1. Padding: ``mask`` [B, L] bool marks real residues, chains are
left-aligned. All recursions run in float32 in log space; forbidden transitions get ``NEG``
(finite, so gradients never meet inf - inf).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Optional

import torch

NEG = -1e4


@dataclass(frozen=True)
class StateSpace:
    durations: tuple                     # [K] counter states per label (>= 1)

    @property
    def n_labels(self) -> int:
        return len(self.durations)

    # The index tensors are built once per space (the recursions ask for them on every call).
    @cached_property
    def label(self) -> torch.Tensor:
        """[S] label of each state; states of label k are (k,1)..(k,D_k), in label order."""
        return torch.repeat_interleave(torch.arange(self.n_labels), torch.tensor(self.durations))

    @cached_property
    def first(self) -> torch.Tensor:
        """[K] index of state (k, 1)."""
        return torch.cumsum(torch.tensor((0,) + tuple(self.durations[:-1])), 0)

    @cached_property
    def start(self) -> torch.Tensor:
        """[S] log-potential of starting in each state: only (k, 1)."""
        out = torch.full((int(sum(self.durations)),), NEG)
        out[self.first] = 0.0
        return out

    def transitions(self, trans: torch.Tensor, early: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Label potentials T [K, K] and early-exit potentials E [K, max D] -> state matrix [S, S].

        (k,d) -> (k,d+1) and (k,D_k) -> (k,D_k): T[k,k]; (k,d) -> (j,1), j != k: T[k,j] + E[k,d]
        for d < D_k (no early-exit term once D_k residues are reached); everything else NEG."""
        S = int(sum(self.durations))
        first, lab = self.first.tolist(), self.label
        is_first = torch.zeros(S, dtype=torch.bool)
        is_first[first] = True
        rows = []
        for k in range(self.n_labels):
            for d in range(self.durations[k]):
                leave = trans[k][lab]                                         # T[k, label(s')]
                if early is not None and d + 1 < self.durations[k]:
                    leave = leave + early[k, d]
                row = torch.where(is_first & (lab != k), leave, torch.full((S,), NEG, dtype=trans.dtype))
                nxt = first[k] + min(d + 1, self.durations[k] - 1)           # count up, then stay
                rows.append(torch.where(torch.arange(S) == nxt, trans[k, k].expand(S), row))
        return torch.stack(rows)                                              # [S, S]


@lru_cache(maxsize=None)
def plain(n_labels: int) -> StateSpace:
    return StateSpace((1,) * n_labels)


def _expand(u, space: StateSpace):
    """Label potentials [..., K] -> state potentials [..., S]."""
    return u[..., space.label]


def _forward(us: torch.Tensor, ts: torch.Tensor, mask: torch.Tensor, init: torch.Tensor) -> list:
    """Forward log-messages over states: list of L tensors [B, S]; padding carries alpha forward."""
    alpha = [us[:, 0] + init]
    for i in range(1, us.shape[1]):
        a = torch.logsumexp(alpha[-1].unsqueeze(2) + ts, dim=1) + us[:, i]      # [B, S]
        alpha.append(torch.where(mask[:, i:i + 1], a, alpha[-1]))
    return alpha


def _prep(u, trans, space):
    space = space or plain(u.shape[-1])
    ts = trans.float()
    if ts.shape[0] != int(sum(space.durations)):
        raise ValueError("trans must be the [S, S] state matrix of the space (StateSpace.transitions)")
    return _expand(u.float(), space), ts, space


def log_partition(u, trans, mask, allowed=None, space: Optional[StateSpace] = None) -> torch.Tensor:
    """log Z [B]; ``allowed`` [B, L, K] bool restricts the sum to label sets (partial labels).
    ``trans``: the [S, S] state matrix (for the plain space, simply T [K, K])."""
    us, ts, space = _prep(u, trans, space)
    if allowed is not None:
        us = us.masked_fill(~allowed[..., space.label], NEG)
    return torch.logsumexp(_forward(us, ts, mask, space.start)[-1], dim=1)


def nll(u, trans, mask, y8, y3=None, groups=None, space: Optional[StateSpace] = None) -> tuple:
    """Negative log-likelihood of (partial) labels, summed over chains. -> (sum nll, n labelled).

    y8 [B, L] (-1 = no label); y3 [B, L] 3-state labels used where y8 is missing, as the set of
    classes ``groups`` maps to them; residues with neither are marginalised out:
    -log p = log Z - log Z_restricted (Sutton & McCallum 2012, Sec. 5.1)."""
    K = u.shape[-1]
    has8 = y8 >= 0
    allowed = torch.where(has8.unsqueeze(-1), torch.nn.functional.one_hot(y8.clamp_min(0), K).bool(),
                          torch.ones(*y8.shape, K, dtype=torch.bool))
    n = int((has8 & mask).sum())
    if y3 is not None and groups is not None:
        has3 = (~has8) & (y3 >= 0)
        g = torch.as_tensor(groups).view(1, 1, K) == y3.clamp_min(0).unsqueeze(-1)   # [B, L, K]
        allowed = torch.where(has3.unsqueeze(-1), g, allowed)
        n += int((has3 & mask).sum())
    lz = log_partition(u, trans, mask, space=space)
    lz_y = log_partition(u, trans, mask, allowed, space=space)
    return (lz - lz_y).sum(), n


def _draw(logits, noise):                        # [B, S] -> [B] (Gumbel-max)
    e = (-torch.log(noise.rows(tuple(logits.shape), logits.device).clamp_min(1e-10))).clamp_min(1e-10)
    return (logits - torch.log(e)).argmax(1)


def sample(u: torch.Tensor, trans: torch.Tensor, mask: torch.Tensor, noise,
           space: Optional[StateSpace] = None) -> torch.Tensor:
    """One exact draw per chain (forward filtering, backward sampling). u [B, L, K] -> labels [B, L]."""
    us, ts, space = _prep(u, trans, space)
    alpha = _forward(us, ts, mask, space.start)
    B, L, _ = us.shape
    out = torch.empty(B, L, dtype=torch.long)
    s = _draw(alpha[-1], noise)
    out[:, L - 1] = s
    for i in range(L - 2, -1, -1):
        prev = _draw(alpha[i] + ts[:, s].T, noise)     # p(s_i | s_{i+1}) ~ alpha_i + T[:, s_{i+1}]
        # past the chain's end position i+1 is padding: s_i is the chain's last state, keep it
        s = torch.where(mask[:, i + 1], prev, s)
        out[:, i] = s
    return space.label[out]


def marginals(u: torch.Tensor, trans: torch.Tensor, mask: torch.Tensor,
              space: Optional[StateSpace] = None) -> torch.Tensor:
    """Per-residue label marginals p(y_i = k | u) [B, L, K] (forward-backward over states)."""
    us, ts, space = _prep(u, trans, space)
    alpha = _forward(us, ts, mask, space.start)
    B, L, S = us.shape
    beta = [torch.zeros(B, S)]
    for i in range(L - 2, -1, -1):
        b = torch.logsumexp(ts.unsqueeze(0) + (us[:, i + 1] + beta[0]).unsqueeze(1), dim=2)
        beta.insert(0, torch.where(mask[:, i + 1:i + 2], b, beta[0]))
    ps = torch.softmax(torch.stack(alpha, 1) + torch.stack(beta, 1), -1)            # [B, L, S]
    return torch.zeros(B, L, space.n_labels).index_add_(-1, space.label, ps)


def match_marginals(logp: torch.Tensor, trans: torch.Tensor, mask: torch.Tensor,
                    iters: int = 8, step: float = 0.3, space: Optional[StateSpace] = None) -> torch.Tensor:
    """Label potentials u' [B, L, K] whose CRF has per-residue marginals ~ exp(logp).

    Damped iterative proportional fitting (Deming & Stephan 1940): u' <- u' + step (log p - log q),
    q the CRF marginals of u'. The result is the distribution closest in KL to the CRF prior with
    the given per-residue marginals: its draws keep every residue's reconstruction distribution
    while coupling neighbours. Simultaneous undamped updates overshoot (neighbouring corrections
    add up) and diverge; step 0.3 converges (mean |p - q| ~ 0.01 after 8 steps on CB513)."""
    logp = logp.float()
    u = logp.clone()
    for _ in range(iters):
        q = marginals(u, trans, mask, space).clamp_min(1e-30)
        u = u + step * (logp - torch.log(q))
    return u
