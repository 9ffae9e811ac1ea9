"""SeqGSN: the conditional convolutional GSN p(y | x), a Markov chain over (y, h1..hL) given x.

One transition (Bengio et al. 2014, Sec. 3; Zhou & Troyanskaya 2014, Sec. 3.2-3.3), label state
y_t [B, 8, L] (one-hot; all-zero where no label is known yet):

    y~_t ~ C(y~ | y_t)            masking corruption: a subset of the free residues set to all-zero
    h_t  = f(y~_t, h_{t-1}, x)    ``Transition``, Gaussian noise in every hidden layer
    y_{t+1} ~ P(y | h_t, x)       the hidden residues drawn from the reconstruction distribution;
                                  a shown residue keeps its label (under masking corruption its
                                  reconstruction is the identity, Bengio et al. 2013, Sec. 3.1)
    clamped residues: y_{t+1} = the known label (never masked, reset after every draw)

Training (walkback, Bengio et al. 2013 Sec. 3.3 / 2014 Sec. 3.3; Deep Learning book 20.11.3): the
chain starts from a *training example*: y_0 = the true 8-state labels, corrupted at step 1 with a
mask rate r = u ** ``mask_rate_power``, u ~ U(0, 1), per chain (or r = 1, everything masked, for a
fraction ``mask_all_p`` of the chains: the state prediction starts from), then unrolled ``walkback``
steps, each re-masking the state at a fresh rate. The cost averages over steps (weights
``train.step_weights``, uniform by default; ``losses.walkback_label_cost``) the mean NLL of the true labels of
the residues the step hid, so the reconstruction learns to read the shown labels (true ones, and its own earlier
draws) as well as x. Gradients flow through the hidden units; drawn labels are constants. Residues with only a
3-state label start masked. Substitution corruption (``relabel`` > 0, steps >= 1): a fraction s ~ U(0,
relabel) of each chain's shown free labels is swapped for draws from the previous step's reconstruction
(plausible wrong labels, like the chain's own draws); those residues stay visible but count as decided:
scored and redrawn like the hidden ones, so the reconstruction also learns to overrule shown labels.

Prediction (``mode='predict'``, ``masking.PredictionSchedule``): a reveal sweep of ``reveal`` steps
from the all-masked state (each step decides one random group of residues, seeing the ones decided
before it), then sweeps of ``groups`` steps that each hide and redraw one group given all the others
(blocked Gibbs-style scan). ``step_masked`` says which residues each step decided: the marginal
estimator (``seqgsn.chain.marginals``) averages a residue's reconstruction distribution over those steps.

Label provenance (``label_provenance`` models): the state also carries o_t [B, L], which shown labels are
*observed* (the training example's true labels, clamps) rather than the chain's own draws. Walkback step 1
shows true labels only, so the operator learns the conditional p(y_hidden | y_observed, x) there; later
steps show its draws too (o = 0), where it learns to denoise its own guesses. Prediction shows its draws
as draws (the calibrated walkback chain) and clamps as observed; ``draws_observed`` shows every shown
label as observed, so the chain runs on the conditionals given them: what ``sample`` draws from (a
reveal sweep is then ancestral sampling in a random order, the sweeps after it Gibbs sampling).

Hybrid (Zoehrer & Pernkopf 2014): x-logits from h1 through the transposed x->h1 map (``with_x``).
Two ways to train them: the caller masks x once and scores every step's reconstruction of it
(``x_walk = 0``), or x is part of the chain's visible state (``x_walk = p``, Zoehrer & Pernkopf's
walkback over x): each step masks a fresh fraction p of the current x state x_t, recomputes the
x-pathway from it, and x_{t+1} takes a draw from the step's x reconstruction at the masked
residues; ``x_hidden`` says which residues each step hid (the caller scores the true x there).
Prediction keeps x clamped: the x-pathway is computed once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..alphabet import MASK, N_AA_INPUT, SS8
from ..config import ModelConfig
from . import crf
from .backbone import Backbone
from .masking import PredictionSchedule, substitution_mask, training_mask
from .noise import Noise, sample_onehot
from .transition import Transition

N_LABELS = len(SS8)


@dataclass(frozen=True)
class ChainSettings:
    """How one chain is run: everything ``run_chain`` needs besides the data."""

    steps: int
    mode: str = "predict"            # predict (reveal sweep, then Gibbs sweeps) | train (walkback from y)
    reveal: int = 1                  # predict: steps of the reveal sweep (``masking.PredictionSchedule``)
    groups: int = 2                  # predict: then each step re-decides 1 / groups of the free residues
    noisy: bool = True               # hidden-unit noise and label draws; False = noise-free (argmax fed)
    mask_all_p: float = 0.3          # train: fraction of chains whose first step masks every label
    mask_rate_power: float = 1.0     # train: mask rate r = u ** power, u ~ U(0, 1) (``masking.training_mask``)
    span_p: float = 0.0              # train: fraction of chains that hide whole segments (``training_mask``)
    span_length: float = 10.0        # train: their mean length
    sampler: str = "independent"     # independent (per-residue draws) | crf (``label_pairwise`` models)
    match_iters: int = 0             # crf: IPF steps matching the step's marginals (``crf_unary``)
    match_step: float = 0.3
    state_dtype: Optional[torch.dtype] = None   # e.g. bfloat16 under bf16 autocast
    final_state: bool = True         # False: the last step draws no label state (nothing reads it)
    with_x: bool = False             # hybrid: also reconstruct x at every step
    x_walk: float = 0.0              # > 0 (train): x is walked too, this fraction re-masked per step
    relabel: float = 0.0             # > 0 (train): substitution corruption of shown labels (docstring)
    draws_observed: bool = False     # provenance models: show the chain's draws as observed (sampling)


@dataclass
class ChainOutput:
    step_logits: List[torch.Tensor] = field(default_factory=list)   # each [B, L, 8]
    step_masked: List[torch.Tensor] = field(default_factory=list)   # each [B, L] bool: decided anew
    samples: List[torch.Tensor] = field(default_factory=list)       # each [B, L] int: y_{t+1}
    x_logits: List[torch.Tensor] = field(default_factory=list)      # each [B, L, 21] (with_x)
    x_hidden: List[torch.Tensor] = field(default_factory=list)      # each [B, L] bool (x_walk > 0)


class SeqGSN(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.backbone = Backbone(cfg.embed_dim, cfg.backbone_channels, cfg.backbone_layers,
                                 cfg.backbone_kernel, cfg.backbone_dilations, cfg.dropout, cfg.profile_dim)
        C = cfg.backbone_channels
        self.x_to_h1 = nn.Conv1d(C, cfg.hidden[0], 1)        # A x (tied downward for the x-term)
        self.x_to_y = nn.Conv1d(C, N_LABELS, 1)              # U x
        self.transition = Transition(N_LABELS, cfg.hidden, cfg.hidden_kernel, cfg.label_kernel,
                                     cfg.noise_pre, cfg.noise_post, cfg.label_layers, cfg.label_provenance)
        self.x_out = nn.Linear(C, N_AA_INPUT)                # hybrid x reconstruction head
        self.crf_space = crf.StateSpace(tuple(cfg.crf_durations))
        if cfg.label_pairwise:
            # CRF reconstruction p(y | h1) ~ exp(s * logits + T + early exits): fitted after the
            # walkback training (seqgsn.chain.crf_fit); s = 1, T = 0, E = 0 is the factorised softmax.
            self.pairwise = nn.Parameter(torch.zeros(N_LABELS, N_LABELS))    # T[y_{i-1}, y_i]
            self.early_exit = nn.Parameter(torch.zeros(N_LABELS, max(cfg.crf_durations)))  # E[k, d]
            self.unary_scale = nn.Parameter(torch.ones(()))

    def structured_params(self) -> List[nn.Parameter]:
        """The CRF's parameters (not trained by walkback; empty without ``label_pairwise``)."""
        return [self.pairwise, self.early_exit, self.unary_scale] if self.cfg.label_pairwise else []

    def crf_transitions(self) -> torch.Tensor:
        """The CRF's state transition matrix [S, S] (``crf.StateSpace.transitions``)."""
        return self.crf_space.transitions(self.pairwise.float().cpu(), self.early_exit.float().cpu())

    def crf_unary(self, logits, mask, match_iters: int = 0, match_step: float = 0.3, trans=None):
        """Chain-step logits [B, L, 8] -> CRF unary potentials [B, L, 8] (float32).

        match_iters = 0: s * logits (the CRF fitted on top of the network). > 0: potentials whose
        CRF marginals equal the step's softmax (``crf.match_marginals``): every residue keeps the
        reconstruction distribution walkback trained, and T only couples neighbours.
        trans: ``crf_transitions()`` when the caller already has it."""
        if match_iters <= 0:
            return logits.float() * self.unary_scale.float().to(logits.device)
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

    def run_chain(self, tokens, mask, settings: ChainSettings, noise: Noise, *, profile=None,
                  truth=None, clamp=None, start=None, context=None) -> ChainOutput:
        """Unroll the chain (module docstring). tokens [B, L] int, mask [B, L] bool;
        truth [B, L] int (-1 = no 8-state label): the training example walkback starts from
        (``mode='train'``); clamp = (known [B, L] bool, labels [B, L] int): labels held fixed;
        start [B, L] int: the label state a prediction chain without reveal sweep (``reveal=0``)
        starts from, e.g. a prediction, to follow where the chain goes from there; context: these
        tokens' x-pathway (:meth:`chain_context` with the same settings), so that several chains over one
        batch (restarted samples) compute it once; not with ``x_walk`` (x changes along that chain)."""
        cs = settings
        if (start is not None) != (cs.mode == "predict" and cs.reveal == 0):
            raise ValueError("a start state goes with mode 'predict' and reveal=0, and reveal=0 needs one")
        if cs.sampler == "crf" and not self.cfg.label_pairwise:
            raise ValueError("sampler 'crf' needs a model with label_pairwise")
        if cs.mode == "train" and truth is None:
            raise ValueError("mode 'train' needs the true labels")
        if cs.relabel > 0 and cs.mode != "train":
            raise ValueError("relabel is a training corruption (mode 'train')")
        if cs.x_walk > 0 and not cs.with_x:
            raise ValueError("x_walk needs with_x (the x reconstruction is what is fed back)")
        if context is not None and cs.x_walk > 0:
            raise ValueError("a precomputed x-pathway cannot follow x_walk (x changes along the chain)")
        trans = self.crf_transitions() if cs.sampler == "crf" else None   # fixed along the chain
        B, L = tokens.shape
        x_state, x_hid = tokens, None                                                         # x_t [B, L]
        if cs.x_walk > 0:                       # x~_0: step 0's corruption of x (later steps: in the loop)
            x_hid = mask & (noise.rand((B, L), tokens.device) < cs.x_walk)
        if context is None:
            context = self.chain_context(self._x_in(x_state, x_hid), mask, cs, profile)
        ctx_h1, ctx_y, pad = context
        known = clamp[0] & mask if clamp is not None else torch.zeros_like(mask)
        known_y = None
        if clamp is not None:
            known_y = F.one_hot(clamp[1].clamp_min(0), N_LABELS).transpose(1, 2).to(pad.dtype)  # [B, 8, L]
        y0 = start if start is not None else truth                                           # [B, L] or None
        if y0 is not None:
            y = F.one_hot(y0.clamp_min(0), N_LABELS).transpose(1, 2).to(pad.dtype) \
                * (y0 >= 0).unsqueeze(1).to(pad.dtype)                                        # [B, 8, L]
        else:
            y = torch.zeros(B, N_LABELS, L, dtype=pad.dtype, device=tokens.device)
        kn = known.unsqueeze(1)                                                               # [B, 1, L]
        if known_y is not None:
            y = torch.where(kn, known_y, y)
        free = mask & ~known
        prov = self.cfg.label_provenance
        if prov:                                                                              # o_t [B, L]
            obs = known | (mask & (truth >= 0)) if cs.mode == "train" else known
        schedule = PredictionSchedule(free, cs.reveal, cs.groups, noise) if cs.mode == "predict" else None
        hs: List[Optional[torch.Tensor]] = [None] * len(self.cfg.hidden)
        out = ChainOutput()
        for step in range(cs.steps):
            if cs.x_walk > 0:
                if step > 0:                   # x~_t: a fresh corruption of the current x state
                    x_hid = mask & (noise.rand((B, L), tokens.device) < cs.x_walk)
                    ctx_h1, ctx_y, pad = self.chain_context(self._x_in(x_state, x_hid), mask, cs, profile)
                out.x_hidden.append(x_hid)
            if schedule is None:
                masked = decided = training_mask(free, step == 0, cs.mask_all_p, noise, cs.mask_rate_power,
                                               cs.span_p, cs.span_length)
                if cs.relabel > 0 and step > 0:        # y~_t also swaps shown labels for plausible guesses
                    swapped = substitution_mask(free, masked, cs.relabel, noise)
                    guess = sample_onehot(logits, noise)                                      # [B, 8, L]
                    y = torch.where(swapped.unsqueeze(1), guess, y)
                    decided = masked | swapped
            else:
                masked, decided = schedule.step(step)
            y_in = y * (~masked).unsqueeze(1).to(y.dtype) * pad                              # y~_t
            last = not cs.final_state and step == cs.steps - 1
            observed = None
            if prov:                           # o~_t (the transition keeps it to the shown residues)
                observed = (mask if cs.draws_observed else obs & ~decided).unsqueeze(1)
            logits, hs = self.transition(y_in, hs, ctx_h1, ctx_y, pad, cs.noisy, noise, upper=not last,
                                         observed=observed)
            out.step_logits.append(logits.transpose(1, 2))                                    # [B, L, 8]
            out.step_masked.append(decided)
            if cs.with_x:
                out.x_logits.append(self.reconstruct_x(hs[0]))
                if cs.x_walk > 0:              # x_{t+1}: the hidden residues take a draw (a constant)
                    x_draw = sample_onehot(out.x_logits[-1].transpose(1, 2), noise).max(1).indices
                    x_state = torch.where(x_hid, x_draw, x_state)
            if last:
                break
            draw = self._draw(logits, mask, cs, noise, trans, known, known_y)
            # only the hidden residues are redrawn: under masking corruption the reconstruction of a
            # shown residue is that residue (walkback and prediction alike; Gibbs-style)
            y = torch.where(decided.unsqueeze(1), draw, y)                                   # y_{t+1}
            if prov:
                obs = (obs & ~decided) | known                                                # o_{t+1}
            if known_y is not None:
                y = torch.where(kn, known_y, y)
            y = y * pad
            out.samples.append(y.max(1).indices)                                              # [B, L]
        return out

    @staticmethod
    def _x_in(x_state, x_hid):
        return x_state if x_hid is None else torch.where(x_hid, MASK, x_state)

    def chain_context(self, tokens, mask, cs: ChainSettings, profile=None):
        """``context`` in the chain state's dtype -> (ctx_h1 [B, C1, L], ctx_y [B, 8, L], pad [B, 1, L])."""
        ctx_h1, ctx_y, pad = self.context(tokens, mask, profile)
        if cs.state_dtype is not None:
            ctx_h1, ctx_y, pad = ctx_h1.to(cs.state_dtype), ctx_y.to(cs.state_dtype), pad.to(cs.state_dtype)
        return ctx_h1, ctx_y, pad

    def _draw(self, logits, mask, cs: ChainSettings, noise: Noise, trans, known, known_y):
        """The next label state from the step's logits [B, 8, L] -> one-hot [B, 8, L]."""
        if not cs.noisy:
            return F.one_hot(logits.max(1).indices, N_LABELS).transpose(1, 2).to(logits.dtype)
        if cs.sampler == "crf":
            # the CRF's sequential recursions run on the CPU whatever the model's device
            dev, cpu = logits.device, torch.device("cpu")
            u = self.crf_unary(logits.transpose(1, 2).to(cpu), mask.to(cpu), cs.match_iters, cs.match_step,
                               trans)                                                           # [B, L, 8]
            if known_y is not None:   # the draw is conditioned on the known labels, not overwritten
                u = torch.where((known.unsqueeze(-1) & (known_y.transpose(1, 2) == 0)).to(cpu), crf.NEG, u)
            idx = crf.sample(u, trans, mask.to(cpu), noise, self.crf_space).to(dev)
            return F.one_hot(idx, N_LABELS).transpose(1, 2).to(logits.dtype)
        return sample_onehot(logits, noise)
