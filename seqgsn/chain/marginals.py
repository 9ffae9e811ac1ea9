"""Running the trained chain: marginal estimates, clamped prediction, samples.

Estimator: each residue's reconstruction distribution p_t(y_i | y~_t, h_t, x), averaged over the
steps t > burn_in that re-decided it (masked it; ``ChainOutput.step_masked``): a Rao-Blackwellised
estimate of p(y_i | x) = E_{y_-i ~ chain}[p(y_i | y_-i, x)] (a residue shown to a step would only be
copied). A residue that no step after burn-in re-decided (``steps - burn_in < groups``) falls back to
every step's distribution. Clamped residues are one-hot.

Seeds: a record's chain is seeded from (seed, its encoded sequence) (``noise.record_seed``), and its noise is
drawn over its own length only, so its output does not depend on the rest of the batch.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator, Optional

import torch

from ..config import ChainConfig
from ..errors import ConfigError
from ..devices import autocast, model_device, resolve_precision, state_dtype
from ..model.gsn import ChainSettings, SeqGSN
from ..model.noise import Noise, record_seed


def batch_noise(batch: dict, seed: int) -> Noise:
    """Per-record noise: record b's generator is seeded from (seed, its tokens), drawn over its length."""
    lengths = batch["mask"].sum(1).tolist()
    tok = batch["tokens"].to(torch.int8).cpu().numpy()
    return Noise.per_record([record_seed(seed, tok[b, :n].tobytes()) for b, n in enumerate(lengths)], lengths)


def check_steps(steps: int, burn_in: int) -> None:
    """ConfigError unless steps >= 1 and 0 <= burn_in < steps (never silently replaced)."""
    if steps < 1:
        raise ConfigError(f"the chain needs at least one step (steps={steps})")
    if not 0 <= burn_in < steps:
        raise ConfigError(f"burn-in must be in [0, steps): got burn-in {burn_in} with {steps} steps")


def _run(model: SeqGSN, batch: dict, settings: ChainSettings, seed: int, clamp, precision: str, context=None):
    """The chain on the model's device; precision 'auto' resolved there (``seqgsn.devices``).

    The noise is drawn on CPU generators (``batch_noise``) and moved: outputs do not depend on the device's RNG.
    context: the batch's x-pathway from ``_shared_context`` (same precision), else computed here."""
    dev, prec = _placement(model, precision)
    settings = replace(settings, state_dtype=state_dtype(prec))
    noise = batch_noise(batch, seed)
    on = _on_device(batch, dev)
    if clamp is not None:
        clamp = (clamp[0].to(dev), clamp[1].to(dev))
    with autocast(dev, prec):
        return model.run_chain(on["tokens"], on["mask"], settings, noise, profile=on.get("profile"), clamp=clamp,
                               context=context)


def _placement(model: SeqGSN, precision: str):
    dev = model_device(model)
    return dev, resolve_precision(precision, dev)


def _on_device(batch: dict, dev) -> dict:
    return {k: v.to(dev, non_blocking=True) for k, v in batch.items() if isinstance(v, torch.Tensor)}


def _shared_context(model: SeqGSN, batch: dict, precision: str):
    """The batch's x-pathway once, for several chains over it (restarted samples): x is clamped in
    prediction and sampling, so every chain would compute the same tensors."""
    dev, prec = _placement(model, precision)
    on = _on_device(batch, dev)
    with autocast(dev, prec):
        return model.chain_context(on["tokens"], on["mask"], ChainSettings(1, state_dtype=state_dtype(prec)),
                                   on.get("profile"))


def _one_hot_clamps(probs: torch.Tensor, clamp) -> torch.Tensor:
    if clamp is None:
        return probs
    known, lab = clamp
    onehot = torch.nn.functional.one_hot(lab.clamp_min(0), probs.shape[-1]).to(probs.dtype)
    return torch.where(known.unsqueeze(-1), onehot, probs)


@torch.inference_mode()
def chain_marginals(model: SeqGSN, batch: dict, *, steps: int, burn_in: int, reveal: int = 1, groups: int = 2,
                    noisy: bool = True, seed: int = 0, clamp=None, precision: str = "auto",
                    temperature: float = 1.0) -> torch.Tensor:
    """-> prob8 [B, L, 8] float32 (module docstring); softmax(z_t / temperature) (``seqgsn.chain.temperature``)."""
    check_steps(steps, burn_in)
    out = _run(model, batch, ChainSettings(steps, reveal=reveal, groups=groups, noisy=noisy, final_state=False), seed, clamp, precision)
    probs = torch.stack([torch.softmax(lg.float() / temperature, -1) for lg in out.step_logits[burn_in:]])
    w = torch.stack(out.step_masked[burn_in:]).unsqueeze(-1).to(probs.dtype)     # [S, B, L, 1]
    n = w.sum(0)
    est = torch.where(n > 0, (probs * w).sum(0) / n.clamp_min(1), probs.mean(0))
    return _one_hot_clamps(est.cpu(), clamp)                                      # [B, L, 8] on the CPU


@torch.inference_mode()
def chain_step_probs(model: SeqGSN, batch: dict, *, steps: int, reveal: int = 1, groups: int = 2, noisy: bool = True,
                     seed: int = 0, clamp=None, precision: str = "auto"):
    """-> (probs [steps, B, L, 8] float32, masked [steps, B, L] bool): every step's reconstruction
    distribution and which residues it re-decided. Same chain as ``chain_marginals`` with the same
    seed (a shorter chain is a prefix of a longer one)."""
    check_steps(steps, 0)
    out = _run(model, batch, ChainSettings(steps, reveal=reveal, groups=groups, noisy=noisy), seed, clamp, precision)
    return (torch.stack([torch.softmax(lg.float(), -1) for lg in out.step_logits]).cpu(),
            torch.stack(out.step_masked).cpu())


def chain_step_log_probs(model: SeqGSN, batches: Iterable[dict], chain: ChainConfig,
                         seed: int) -> Iterator[tuple]:
    """Per batch: (log p_t [S, B, L, 8] of the prediction chain's steps after burn-in, masked [S, B, L],
    batch). Cloned out of inference mode: the fits multiply them by trained parameters."""
    for b in batches:
        probs, masked = chain_step_probs(model, b, steps=chain.steps, reveal=chain.reveal, groups=chain.groups, noisy=chain.noise,
                                         seed=seed, precision=chain.precision)
        yield torch.log(probs[chain.burn_in:].clamp_min(1e-30)).clone(), masked[chain.burn_in:].clone(), b


@torch.inference_mode()
def chain_samples(model: SeqGSN, batch: dict, *, n: int, burn_in: int, thin: int = 1, reveal: int = 1, groups: int = 2,
                  seed: int = 0, clamp=None, precision: str = "auto", sampler: str = "independent",
                  match_iters: int = 0, match_step: float = 0.3, restart: bool = False,
                  draws_observed: bool = False, context=None) -> torch.Tensor:
    """-> int labels [n, B, L]: the chain's label states. The first is the state after the reveal
    sweep (every residue decided once) and ``burn_in`` further steps, then one every ``thin`` steps;
    with ``thin`` = ``groups`` each sample is one Gibbs sweep after the previous one.

    restart: every sample is its own chain from the all-masked state (reveal sweep + ``burn_in`` steps),
    seeded from (seed, k): independent draws of the reveal sweep (with many reveal steps, the GSN reading
    of random-order ancestral sampling) instead of states along one chain.
    draws_observed: the chain shows its draws as observed labels (``label_provenance`` models;
    ``ChainSettings.draws_observed``). context: the batch's x-pathway (``_shared_context``), shared by
    restarted samples."""
    if n < 1 or thin < 1 or burn_in < 0 or reveal < 1:
        raise ValueError(f"need n >= 1, thin >= 1, burn_in >= 0, reveal >= 1 (got {n}, {thin}, {burn_in}, {reveal})")
    if restart:
        one = dict(burn_in=burn_in, reveal=reveal, groups=groups, clamp=clamp, precision=precision, sampler=sampler,
                   match_iters=match_iters, match_step=match_step, draws_observed=draws_observed,
                   context=_shared_context(model, batch, precision) if context is None else context)
        return torch.cat([chain_samples(model, batch, n=1, seed=sample_seed(seed, k), **one) for k in range(n)])
    first = reveal - 1 + burn_in                       # index into out.samples (state after step t)
    steps = first + 1 + (n - 1) * thin
    out = _run(model, batch, ChainSettings(steps, reveal=reveal, groups=groups, noisy=True, sampler=sampler,
                                           match_iters=match_iters, match_step=match_step,
                                           draws_observed=draws_observed), seed, clamp, precision, context)
    s = torch.stack([out.samples[first + i * thin] for i in range(n)]).cpu()
    if clamp is not None:
        known, lab = clamp
        s = torch.where(known.unsqueeze(0), lab.unsqueeze(0), s)
    return s


def sample_seed(seed: int, k: int) -> int:
    """The run seed of restarted sample k (k = 0 keeps ``seed``: one restarted sample is the plain chain)."""
    return seed if k == 0 else record_seed(seed, k.to_bytes(8, "little"))


def clamp_tensors(clamps: Optional[list], L: int):
    """list of per-record int arrays (-1 = free) or None -> (known [B, L] bool, labels [B, L] long) or None."""
    if not clamps or all(c is None for c in clamps):
        return None
    lab = torch.full((len(clamps), L), -1, dtype=torch.long)
    for i, c in enumerate(clamps):
        if c is not None:
            lab[i, :len(c)] = torch.as_tensor(c)
    return lab >= 0, lab
