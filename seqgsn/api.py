"""Python API: load a model and predict / sample, without the CLI.

    >>> import seqgsn
    >>> model = seqgsn.load_model()                 # the bundled default model
    >>> preds = model.predict([seqgsn.Record("ubq", "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG")])
    >>> preds[0].ss8, preds[0].ss3, preds[0].prob8.shape

The other plain functions of the README's "Python API" are importable from here too (loaded on
first use, so ``seqgsn predict`` does not pay for them): ``read_corpus`` (readers),
``evaluate`` (metrics), ``filter_against`` (redundancy filter), ``run_training``.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from .alphabet import SS8, decode_ss8, encode_ss8
from .chain.heap import release_free_memory
from .chain.marginals import chain_marginals, chain_samples, chain_step_probs, check_steps, clamp_tensors
from .config import ChainConfig, Config
from .data.batches import length_batches
from .data.features import FeatureSpec, featurize
from .devices import model_device, resolve_device, resolve_precision
from .errors import ConfigError, LabelMismatchError
from .model.checkpoint import load_model_file
from .records import Prediction, Record

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "default.pt"


def _parse_clamp(rec: Record, s: str) -> np.ndarray:
    if len(s) != len(rec.seq):
        raise LabelMismatchError(f"clamp string has length {len(s)}, sequence has {len(rec.seq)}",
                                 record=rec.id)
    out = np.full(len(s), -1, dtype=np.int64)
    known = np.array([c != "-" for c in s])
    if known.any():
        out[known] = encode_ss8("".join(c for c in s if c != "-"), record=rec.id)
    return out


class Predictor:
    """A loaded model plus its chain settings. Thread-safe for reading; not for training."""

    def __init__(self, model, cfg: Config, info: Optional[dict] = None, path=None):
        self.model = model
        self.cfg = cfg
        self.info = info or {}
        self.path = path
        self.spec = FeatureSpec(cfg.model.profile_dim)

    @property
    def device(self) -> torch.device:
        """Where the model (and every tensor of its chain) lives."""
        return model_device(self.model)

    @property
    def precision(self) -> str:
        """The precision the chain runs at here: 'fp32' or 'bf16' (``load_model(precision=...)``)."""
        return resolve_precision(self.chain.precision, self.device)

    @property
    def chain(self) -> ChainConfig:
        return self.cfg.chain

    @property
    def uses_profiles(self) -> bool:
        """True for a model trained with a profile block (``model.profile_dim`` > 0)."""
        return self.spec.profile_dim > 0

    @property
    def metrics(self) -> dict:
        return self.info.get("metrics", {})

    def _batches(self, records: Sequence[Record], clamps):
        feats = [featurize(r, self.spec) for r in records]
        cl = None
        if clamps:
            cl = [(_parse_clamp(r, clamps[r.id]) if r.id in clamps else None) for r in records]
        for idx in length_batches([len(f.tokens) for f in feats], self.chain.batch_residues):
            L = max(len(feats[i].tokens) for i in idx)
            tok = torch.zeros(len(idx), L, dtype=torch.long)
            mask = torch.zeros(len(idx), L, dtype=torch.bool)
            prof = torch.zeros(len(idx), L, self.spec.profile_dim) if self.spec.profile_dim else None
            for j, i in enumerate(idx):
                n = len(feats[i].tokens)
                tok[j, :n] = torch.from_numpy(feats[i].tokens)
                mask[j, :n] = True
                if prof is not None:
                    prof[j, :n] = torch.from_numpy(feats[i].profile)
            batch = {"tokens": tok, "mask": mask}
            if prof is not None:
                batch["profile"] = prof
            clamp = clamp_tensors([cl[i] for i in idx], L) if cl else None
            yield idx, batch, clamp
            # the previous batch's tensors are free now: bounded memory on long inputs (seqgsn/chain/heap.py)
            release_free_memory()

    def predict(self, records: Sequence[Record], *, clamps: Optional[Dict[str, str]] = None,
                steps: Optional[int] = None, burn_in: Optional[int] = None, seed: int = 0,
                noisy: Optional[bool] = None,
                on_batch: Optional[Callable[[int], None]] = None) -> List[Prediction]:
        """Averaged-marginal prediction; output in input order. clamps: id -> labels ('-' = free).
        records: anything with ``id`` and ``seq`` (``Record``, or a corpus's ``LabeledRecord`` from
        ``read_corpus``, whose labels are ignored); a profile model also reads its ``profile``.

        on_batch: called with the number of residues of each chain batch once it is done (progress)."""
        steps = self.chain.steps if steps is None else steps
        burn_in = self.chain.burn_in if burn_in is None else burn_in
        check_steps(steps, burn_in)
        noisy = self.chain.noise if noisy is None else noisy
        out: List[Optional[Prediction]] = [None] * len(records)
        for idx, batch, clamp in self._batches(records, clamps):
            prob = chain_marginals(self.model, batch, steps=steps, burn_in=burn_in, reveal=self.chain.reveal, groups=self.chain.groups,
                                   noisy=noisy, seed=seed, clamp=clamp, precision=self.chain.precision,
                                   temperature=self.chain.temperature).numpy()   # [b, L, 8] float32
            for j, i in enumerate(idx):
                r = records[i]
                p = prob[j, :len(r.seq)].astype(np.float32)
                out[i] = Prediction(r.id, r.seq, decode_ss8(p.argmax(-1)), p, getattr(r, "description", ""),
                                    clamped=(clamps or {}).get(r.id))
            if on_batch is not None:
                on_batch(sum(len(records[i].seq) for i in idx))
        return out

    def chain_trace(self, records: Sequence[Record], *, steps: Optional[int] = None, seed: int = 0,
                    noisy: Optional[bool] = None,
                    clamps: Optional[Dict[str, str]] = None) -> List[np.ndarray]:
        """Per record, (float32 [steps, L, 8], bool [steps, L]): every chain step's label distribution
        and which residues that step re-decided.

        Same seeds as :meth:`predict`: with ``chain.temperature`` 1, averaging each residue's rows
        after burn-in over the steps that re-decided it gives ``predict``'s ``prob8`` (``seqgsn.chain.marginals``);
        the trace is never temperature-scaled (it is what the chain samples from).
        For chain diagnostics: accuracy or marginals against the number of steps."""
        steps = self.chain.steps if steps is None else steps
        check_steps(steps, 0)
        noisy = self.chain.noise if noisy is None else noisy
        out: List[Optional[tuple]] = [None] * len(records)
        for idx, batch, clamp in self._batches(records, clamps):
            probs, masked = chain_step_probs(self.model, batch, steps=steps, reveal=self.chain.reveal, groups=self.chain.groups,
                                             noisy=noisy, seed=seed, clamp=clamp,
                                             precision=self.chain.precision)
            probs, masked = probs.numpy(), masked.numpy()
            for j, i in enumerate(idx):
                n = len(records[i].seq)
                out[i] = (probs[:, j, :n].astype(np.float32), masked[:, j, :n])
        return out

    def resolve_sampler(self, sampler: Optional[str] = None) -> str:
        """The sampler to use (None = the model's); ConfigError if this model cannot run it."""
        sampler = sampler or self.chain.sampler
        if sampler == "crf" and not self.cfg.model.label_pairwise:
            raise ConfigError("sampler 'crf' needs a model with CRF pairwise potentials "
                              "(model.label_pairwise); use the independent sampler with this model",
                              file=self.path)
        return sampler

    def resolve_draws(self, draws: Optional[str]) -> bool:
        """'observed' | 'guessed' | None -> whether the sample chain shows its draws as observed."""
        prov = self.cfg.model.label_provenance
        if draws is None:
            return prov
        if draws not in ("observed", "guessed"):
            raise ConfigError(f"draws must be observed or guessed, not {draws!r}")
        if draws == "observed" and not prov:
            raise ConfigError("draws 'observed' needs a model whose label state says which labels are "
                              "observed (model.label_provenance)", file=self.path)
        return draws == "observed"

    def sample_steps(self, reveal: Optional[int] = None, groups: Optional[int] = None,
                     burn_in: Optional[int] = None, thin: Optional[int] = None) -> tuple:
        """The sample chain's (reveal, groups, burn_in, thin) with the model's defaults filled in (see
        :meth:`sample`)."""
        groups = groups or self.chain.sample_groups or self.chain.groups
        burn_in = self.chain.sample_burn_in if burn_in is None else burn_in
        thin = groups if thin is None else thin
        reveal = self.chain.reveal if reveal is None else reveal
        if reveal < 1:
            raise ConfigError(f"the reveal sweep needs at least one step (reveal={reveal})")
        return reveal, groups, burn_in, thin

    def sample(self, records: Sequence[Record], *, n: int, burn_in: Optional[int] = None,
               thin: Optional[int] = None,
               seed: int = 0, clamps: Optional[Dict[str, str]] = None,
               sampler: Optional[str] = None, reveal: Optional[int] = None, restart: bool = False,
               draws: Optional[str] = None, groups: Optional[int] = None,
               on_batch: Optional[Callable[[int], None]] = None) -> List[Prediction]:
        """n label sequences per record drawn from the chain: the first after the reveal sweep and
        ``burn_in`` (None = ``chain.sample_burn_in``) more steps, then every ``thin`` steps (None =
        ``groups``, one Gibbs sweep between samples). groups: steps per Gibbs sweep, each redrawing one
        group (None = ``chain.sample_groups``, or ``chain.groups`` where that is 0).

        sampler: 'independent' | 'crf' (see ``ChainConfig.sampler``); None = the model's.
        reveal: steps of the reveal sweep (None = ``chain.reveal``); restart: every sample is its own
        chain through the reveal sweep (``seqgsn.chain.marginals.chain_samples``), ``thin`` unused.
        draws: 'observed' | 'guessed': how the chain shows its own draws to the next steps (models with
        ``label_provenance``; None = 'observed' there, each draw conditions the rest as a known label
        would: the conditionals of the joint; 'guessed' is how ``predict`` runs). Other models have no
        such channel: only 'guessed' (None) applies.
        on_batch: as in :meth:`predict`."""
        reveal, groups, burn_in, thin = self.sample_steps(reveal, groups, burn_in, thin)
        sampler = self.resolve_sampler(sampler)
        draws_observed = self.resolve_draws(draws)
        out: List[Optional[Prediction]] = [None] * len(records)
        for idx, batch, clamp in self._batches(records, clamps):
            s = chain_samples(self.model, batch, n=n, burn_in=burn_in, thin=thin, reveal=reveal, groups=groups,
                              restart=restart, draws_observed=draws_observed,
                              seed=seed, clamp=clamp, precision=self.chain.precision, sampler=sampler,
                              match_iters=self.chain.match_iters, match_step=self.chain.match_step).numpy()
            for j, i in enumerate(idx):
                r = records[i]
                L = len(r.seq)
                samples = [decode_ss8(s[k, j, :L]) for k in range(n)]
                counts = np.zeros((L, len(SS8)), np.float32)
                for k in range(n):
                    counts[np.arange(L), s[k, j, :L]] += 1
                prob = counts / n
                out[i] = Prediction(r.id, r.seq, decode_ss8(prob.argmax(-1)), prob, getattr(r, "description", ""),
                                    clamped=(clamps or {}).get(r.id), samples=samples)
            if on_batch is not None:
                on_batch(sum(len(records[i].seq) for i in idx))
        return out


def load_model(path=None, *, steps: Optional[int] = None, burn_in: Optional[int] = None,
               threads: Optional[int] = None, device: Optional[str] = "auto",
               precision: Optional[str] = "auto") -> Predictor:
    """Load a model file (None = the bundled default). Chain settings can be overridden.

    device: auto|cpu|cuda[:N]|mps (auto = CUDA if present); precision: auto|fp32|bf16 (auto = fp32
    on a CPU, bf16 on a CUDA GPU that supports it). The file's recorded ``chain.precision`` is not used:
    a model trained in bf16 runs fp32 on a CPU without bf16 (``seqgsn.devices``)."""
    if threads:
        torch.set_num_threads(int(threads))
    dev = resolve_device(device)
    path = DEFAULT_MODEL if path is None else Path(path)
    model, cfg, info = load_model_file(path)            # weights read onto the CPU (map_location)
    model.to(dev)
    ch = replace(cfg.chain, precision=resolve_precision(precision, dev))
    if steps is not None:
        ch = replace(ch, steps=int(steps))
    if burn_in is not None:
        ch = replace(ch, burn_in=int(burn_in))
    return Predictor(model, replace(cfg, chain=ch), info, path)


# name -> module: the other plain functions of the public API, imported on first access
_LAZY = {"read_corpus": "seqgsn.io.corpus", "evaluate": "seqgsn.evaluation",
         "filter_against": "seqgsn.data.redundancy", "run_training": "seqgsn.training"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
