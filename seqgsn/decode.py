"""Running the trained chain: averaged marginals, clamped prediction, sampling.

Estimator (Zhou & Troyanskaya 2014, Sec. 3.4): p(y_i | x) ~ (1 / (K - b)) * sum_{t > b} p_t(y_i | h1_t, x),
the label distributions of chain steps after burn-in b, from the neutral start.
"""
from __future__ import annotations

from typing import Optional

import torch

from .model.gsn import SeqGSN


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def _autocast(precision: str):
    """bf16: convolutions in bfloat16 (about 1.8x faster x-pathway with AMX); results stay float32."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


def _state_dtype(precision: str):
    return torch.bfloat16 if precision == "bf16" else None


@torch.inference_mode()
def chain_marginals(model: SeqGSN, batch: dict, *, steps: int, burn_in: int, noisy: bool = True,
                    seed: int = 0, clamp=None, precision: str = "fp32",
                    temperature: float = 1.0) -> torch.Tensor:
    """-> prob8 [B, L, 8] float32: mean of step distributions softmax(z_t / temperature),
    t = burn_in+1..steps (clamped rows one-hot). temperature: ``seqgsn.calibration``."""
    with _autocast(precision):
        out = model.run_chain(batch["tokens"], batch["mask"], steps, profile=batch.get("profile"),
                              clamp=clamp, noisy=noisy, gen=_gen(seed),
                              state_dtype=_state_dtype(precision), final_state=False)
    probs = torch.stack([torch.softmax(lg.float() / temperature, -1)
                         for lg in out.step_logits[burn_in:]]).mean(0)
    if clamp is not None:
        known, lab = clamp
        onehot = torch.nn.functional.one_hot(lab.clamp_min(0), probs.shape[-1]).to(probs.dtype)
        probs = torch.where(known.unsqueeze(-1), onehot, probs)
    return probs


@torch.inference_mode()
def chain_step_probs(model: SeqGSN, batch: dict, *, steps: int, noisy: bool = True, seed: int = 0,
                     clamp=None, precision: str = "fp32") -> torch.Tensor:
    """-> float32 [steps, B, L, 8]: the label distribution p_t(y | h1_t, x) of every chain step.

    Same chain as ``chain_marginals`` with the same seed: its output is the mean of these over
    t = burn_in+1..steps (a shorter chain is a prefix of a longer one)."""
    with _autocast(precision):
        out = model.run_chain(batch["tokens"], batch["mask"], steps, profile=batch.get("profile"),
                              clamp=clamp, noisy=noisy, gen=_gen(seed),
                              state_dtype=_state_dtype(precision))
    return torch.stack([torch.softmax(lg.float(), -1) for lg in out.step_logits])


@torch.inference_mode()
def chain_samples(model: SeqGSN, batch: dict, *, n: int, burn_in: int, thin: int = 1,
                  seed: int = 0, clamp=None, precision: str = "fp32",
                  sampler: str = "independent", match_iters: int = 0,
                  match_step: float = 0.3) -> torch.Tensor:
    """-> int labels [n, B, L]: the chain's label states after burn-in, every ``thin`` steps.

    sampler: 'independent' (per-residue draws) or 'crf' (whole-sequence draws from the CRF
    reconstruction of a ``label_pairwise`` model)."""
    steps = burn_in + n * thin
    with _autocast(precision):
        out = model.run_chain(batch["tokens"], batch["mask"], steps, profile=batch.get("profile"),
                              clamp=clamp, noisy=True, sampling="sample", gen=_gen(seed),
                              state_dtype=_state_dtype(precision), sampler=sampler,
                              match_iters=match_iters, match_step=match_step)
    # samples[t] is the state drawn from step t's reconstruction (before corruption)
    picked = [out.samples[burn_in + (i + 1) * thin - 1] for i in range(n)]
    s = torch.stack(picked)
    if clamp is not None:
        known, lab = clamp
        s = torch.where(known.unsqueeze(0), lab.unsqueeze(0), s)
    return s


def clamp_tensors(clamps: Optional[list], L: int):
    """list of per-record int arrays (-1 = free) or None -> (known [B, L] bool, labels [B, L] long) or None."""
    if not clamps or all(c is None for c in clamps):
        return None
    lab = torch.full((len(clamps), L), -1, dtype=torch.long)
    for i, c in enumerate(clamps):
        if c is not None:
            lab[i, :len(c)] = torch.as_tensor(c)
    return lab >= 0, lab
