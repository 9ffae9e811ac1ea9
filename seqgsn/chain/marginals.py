"""Running the trained chain: averaged marginals, clamped prediction, sampling.

Estimator (Zhou & Troyanskaya 2014, Sec. 3.4): p(y_i | x) ~ (1 / (K - b)) * sum_{t > b} p_t(y_i | h1_t, x),
the label distributions of chain steps after burn-in b, from the neutral start.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

import torch

from ..config import ChainConfig
from ..model.gsn import SeqGSN


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def _autocast(precision: str):
    """bf16: convolutions in bfloat16; results stay float32."""
    # about 1.8x faster x-pathway on CPUs with AMX (bf16 matrix units)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


def _state_dtype(precision: str):
    return torch.bfloat16 if precision == "bf16" else None


@torch.inference_mode()
def chain_marginals(model: SeqGSN, batch: dict, *, steps: int, burn_in: int, noisy: bool = True,
                    seed: int = 0, clamp=None, precision: str = "fp32",
                    temperature: float = 1.0) -> torch.Tensor:
    """-> prob8 [B, L, 8] float32: mean of step distributions softmax(z_t / temperature),
    t = burn_in+1..steps (clamped rows one-hot). temperature: ``seqgsn.chain.temperature``."""
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


def chain_step_log_probs(model: SeqGSN, batches: Iterable[dict], chain: ChainConfig,
                         seed: int) -> Iterator[tuple]:
    """Per batch: (log p_t [S, B, L, 8] of the prediction chain's steps after burn-in, batch).

    The batch with index bi is seeded ``seed + 7919 * bi`` (as ``Predictor.predict``). log p_t is
    the step's logits up to a per-residue constant, which neither a temperature-scaled softmax nor
    a CRF sees. Cloned out of inference mode: the fits multiply them by trained parameters."""
    for bi, b in enumerate(batches):
        probs = chain_step_probs(model, b, steps=chain.steps, noisy=chain.noise, seed=seed + 7919 * bi,
                                 precision=chain.precision)[chain.burn_in:]        # [S, B, L, 8]
        yield torch.log(probs.clamp_min(1e-30)).clone(), b


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
