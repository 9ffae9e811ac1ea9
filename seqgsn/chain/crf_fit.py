"""Fitting the CRF reconstruction distribution after walkback training (piecewise training).

Walkback trains the chain's unary potentials, the step logits u_t = W_y^T h1_t + U x, under a
factorised softmax. A ``label_pairwise`` model's reconstruction distribution is the linear-chain
CRF  p(y | h1_t) ~ exp(sum_i s * u_t,i[y_i] + sum_i T[y_i-1, y_i])  (``seqgsn.model.crf``); its
pairwise potentials T [8, 8] and unary scale s are fitted here by maximum likelihood with the
network frozen (piecewise training, Sutton & McCallum 2005): the unaries are those of chain steps
burn_in+1..steps (the prediction chain's settings) on held-out chains, so they are as (over)confident
as on new proteins. Residues with only a 3-state label count through their compatible 8-state
classes; unlabelled ones are marginalised out. Full-batch Adam from T = 0, s = 1: deterministic.
"""
from __future__ import annotations

from typing import Callable, List

import numpy as np
import torch

from ..alphabet import SS8_TO_SS3_INDEX
from ..config import ChainConfig
from ..data.batches import Example, example_batches
from ..model import crf
from ..model.gsn import SeqGSN
from .label_stats import segments, wasserstein1
from .marginals import chain_samples, chain_step_log_probs


def _unaries(model: SeqGSN, examples: List[Example], chain: ChainConfig, seed: int) -> list:
    """The prediction chain's steps after burn-in, one unit per step and batch: [(u [B, L, 8], mask,
    y8, y3)], u = log p_t (``decode.chain_step_log_probs``)."""
    batches = example_batches(examples, chain.batch_residues)
    return [(u, b["mask"], b["y8"], b["y3"])
            for logp, _, b in chain_step_log_probs(model, batches, chain, seed) for u in logp]


def _adam(params, units, n_total, unary, model, iters, lr, log, tag) -> tuple:
    """Full-batch Adam on the CRF NLL per labelled residue. -> (NLL before, NLL after)."""
    opt = torch.optim.Adam(params, lr=lr)
    first = last = float("nan")
    for it in range(iters + 1):
        opt.zero_grad()
        total = 0.0
        for u, mask, y8, y3 in units:
            loss, _ = crf.nll(unary(u, mask), model.crf_transitions(), mask, y8, y3, SS8_TO_SS3_INDEX,
                              space=model.crf_space)
            (loss / max(n_total, 1)).backward()
            total += float(loss.detach())
        last = total / max(n_total, 1)
        if it == 0:
            first = last
        if it % 10 == 0 or it == iters:
            log(f"[pairwise] {tag} iter {it}/{iters} crf nll {last:.4f} per residue, "
                f"unary scale {float(model.unary_scale.detach()):.3f}")
        if it < iters:       # the last pass only measures
            opt.step()
    for p in params:
        p.grad = None
    return first, last


_SS3 = np.array(list("HEC"))


def _ss3_strings(y8: torch.Tensor, y3: torch.Tensor, mask: torch.Tensor) -> List[str]:
    """Per chain: the 3-state string of its labelled residues (8-state mapped, else 3-state)."""
    lab = torch.where(y8 >= 0, torch.as_tensor(SS8_TO_SS3_INDEX)[y8.clamp_min(0)], y3)
    return ["".join(_SS3[row[(row >= 0) & row_mask].numpy()]) for row, row_mask in zip(lab, mask)]


def segment_w1(model: SeqGSN, examples: List[Example], chain: ChainConfig, *, n: int,
               seed: int = 0) -> dict:
    """W1 (residues) between the 3-state H and E segment lengths of ``n`` crf samples per chain
    and those of the chains' labels, over their labelled residues (as ``generative.sample_experiment``)."""
    got = {"H": [], "E": []}
    ref = {"H": [], "E": []}
    for bi, b in enumerate(example_batches(examples, chain.batch_residues)):
        s = chain_samples(model, b, n=n, burn_in=chain.burn_in, thin=chain.groups, reveal=chain.reveal, groups=chain.groups, seed=seed,
                          precision=chain.precision, sampler="crf", match_iters=chain.match_iters,
                          match_step=chain.match_step)                     # [n, B, L]
        labelled = (b["y8"] >= 0) | (b["y3"] >= 0)
        truth = _ss3_strings(b["y8"], b["y3"], b["mask"] & labelled)
        for k in range(n):
            samp = _ss3_strings(s[k], torch.full_like(s[k], -1), b["mask"] & labelled)
            for cls in "HE":
                got[cls] += [x for labels in samp for x in segments(labels, cls)]
        for cls in "HE":
            ref[cls] += [x for labels in truth for x in segments(labels, cls)]
    return {cls: wasserstein1(got[cls], ref[cls]) for cls in "HE"}


def fit_pairwise(model: SeqGSN, examples: List[Example], chain: ChainConfig, *, iters: int,
                 lr: float, matched_iters: int = 0, val_samples: int = 0, seed: int = 0,
                 log: Callable[[str], None] = print) -> dict:
    """Fit the CRF (``model.pairwise``, ``early_exit``, ``unary_scale``) in place. -> metrics dict.

    Stage 1 (``iters``): T, early exits E and s by ML of the CRF on the scaled logits. Stage 2
    (``matched_iters``, when ``chain.match_iters`` > 0): T and E by ML of the marginal-matched
    CRF the ``crf`` sampler draws from (gradients through the IPF steps), starting from stage 1.
    ``crf_nll_*``: negative log-likelihood of the labelled residues' whole label sequences per
    labelled residue (nats), averaged over the fitted chain steps; ``crf_nll_start`` is the
    factorised softmax (T = 0, s = 1) the walkback trained, ``crf_nll_end`` the fitted CRF,
    ``matched_nll_*`` the matched CRF before and after stage 2. ``val_segment_w1``: with
    ``val_samples`` > 0, :func:`segment_w1` of the fitted sampler on ``examples``."""
    if not model.cfg.label_pairwise:
        raise ValueError("fit_pairwise needs a model with label_pairwise")
    model.eval()
    params = model.structured_params()
    with torch.no_grad():
        model.pairwise.zero_()
        model.early_exit.zero_()
        model.unary_scale.fill_(1.0)
    units = _unaries(model, examples, chain, seed)
    n_total = sum(int((((y8 >= 0) | (y3 >= 0)) & mask).sum()) for _u, mask, y8, y3 in units)
    first, last = _adam(params, units, n_total, model.crf_unary, model, iters, lr, log, "crf")
    res = {}
    if matched_iters > 0 and chain.match_iters > 0:
        def matched(u, mask):
            return model.crf_unary(u, mask, chain.match_iters, chain.match_step)
        a, b = _adam([model.pairwise, model.early_exit], units, n_total, matched, model, matched_iters, lr,
                     log, "matched")
        res = {"matched_nll_start": a, "matched_nll_end": b, "matched_iters": matched_iters}
    if val_samples > 0 and chain.match_iters > 0:
        res["val_segment_w1"] = segment_w1(model, examples, chain, n=val_samples, seed=seed)
        log(f"[pairwise] crf samples vs validation labels: segment-length W1 "
            f"H {res['val_segment_w1']['H']:.3f} E {res['val_segment_w1']['E']:.3f}")
    return {**res, "crf_nll_start": first, "crf_nll_end": last, "unary_scale": float(model.unary_scale.detach()),
            "pairwise_iters": iters, "pairwise_residues": int(n_total) // (chain.steps - chain.burn_in),
            "pairwise_chains": len(examples), "pairwise_steps": chain.steps - chain.burn_in}
