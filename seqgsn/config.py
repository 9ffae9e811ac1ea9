"""Configuration: defaults live here in frozen dataclasses; YAML files only override.

``load_config(path)`` reads a YAML mapping with optional sections ``data``, ``model``,
``chain``, ``train``; an unknown section or key, or a key given twice in one mapping, is a
:class:`ConfigError` naming it.
``asdict(cfg)`` is what gets written beside every run and into every checkpoint.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from .errors import ConfigError


@dataclass(frozen=True)
class DataConfig:
    """Where training data comes from (paths relative to the data root, see ``seqgsn.paths``)."""

    train: tuple = ("scratch1d_sspro",)          # labelled corpora (8- or 3-state)
    train_formats: tuple = ()                    # per-corpus reader override ('' = detect)
    unlabeled: tuple = ()                        # sequences for the hybrid x-term only
    max_unlabeled: int = 0                       # 0 = all; else a seeded random subset of that many
    filter_against: tuple = ("prottrans_netsurfp2_csv/CB513_HHblits.csv",)
    filter_identity: float = 0.25
    filter_coverage: float = 0.5
    dedupe: str = "near"                         # before the split, one copy of every identical chain, and with
                                                 # "near" (not "identical") also of near-identical ones: MMseqs2
    dedupe_identity: float = 0.95                # identity >= this over >= dedupe_coverage of BOTH chains. The
    dedupe_coverage: float = 0.9                 # copy kept: 8-state labels over 3-state-only, then the corpus
                                                 # listed first in `train` (order corpora by trust); see
                                                 # seqgsn.data.redundancy.twins
    dedupe_prefer: str = "8-state"               # which twin is kept: "8-state" labels first | "order": the
                                                 # corpus listed first, whatever its labels (seqgsn.data.redundancy.twins)
    val_fraction: float = 0.05
    val_cluster_identity: float = 0.3            # split by cluster so validation is not leaky
    max_train_len: int = 700                     # longer chains are cropped at random per epoch
    max_chains: int = 0                          # 0 = all; else a seeded random subset of that many
    min_len: int = 10
    cache_dir: str = ""                          # '' = <run_dir>/../.cache


@dataclass(frozen=True)
class ModelConfig:
    """The GSN (Zhou & Troyanskaya 2014, Sec. 3; Bengio et al. 2014, Sec. 3.4).

    x-pathway: ``backbone_layers`` residual dilated conv blocks over the clamped
    input, computed once per sequence. Chain: label state y (8 classes) and
    ``len(hidden)`` hidden layers, with tied up/down convolutions between
    adjacent layers.
    """

    profile_dim: int = 0                         # extra per-residue input columns (0 = sequence only)
    embed_dim: int = 64
    backbone_channels: int = 128
    backbone_layers: int = 6
    backbone_kernel: int = 9
    backbone_dilations: tuple = (1, 2, 4, 1, 2, 4)
    dropout: float = 0.15
    hidden: tuple = (64, 64)                     # h1..hL channels (L >= 1; >= 2 is a deep GSN)
    hidden_kernel: int = 5
    label_kernel: int = 9                        # y <-> h1 convolution width (label context +-8)
    label_layers: int = 0                        # > 0: also a non-linear label-context encoder of this many
                                                 # convolutions (width label_kernel) into h1 (transition.py)
    label_provenance: bool = False               # the label state also says which shown labels are observed
                                                 # (true / clamped) and which are the chain's draws (gsn.py)
    noise_pre: float = 0.1                       # Gaussian std before the hidden non-linearity
    noise_post: float = 0.1                      # ... and after it
    x_corruption_p: float = 0.0                  # hybrid: residues masked in x (then reconstructed)
    label_pairwise: bool = False                 # structured reconstruction: a linear-chain CRF over y
                                                 # (pairwise potentials fitted after training, seqgsn.chain.crf_fit)
    crf_durations: tuple = (1, 1, 1, 1, 1, 1, 1, 1)  # per label (H G I E B T S C): counter states with
                                                 # learned early-exit potentials (DSSP minimal lengths)


@dataclass(frozen=True)
class ChainConfig:
    """How the chain is run at prediction time."""

    steps: int = 5                               # `reveal` steps, then sweeps of `groups` steps
    burn_in: int = 1                             # steps whose distributions are not averaged
    reveal: int = 1                              # the reveal sweep from all-masked: R steps, each
                                                 # deciding 1/R of the free residues (seqgsn.model.masking)
    groups: int = 2                              # then each step re-decides 1/groups of them
    noise: bool = True                           # False = mean-field (noise-free) chain
    batch_residues: int = 32768
    precision: str = "auto"                      # auto | fp32 | bf16 (autocast; outputs stay float32);
                                                 # auto = fp32 on CPUs, bf16 on bf16 GPUs (seqgsn.devices)
    sample_groups: int = 0                       # sample: groups per Gibbs sweep (0 = groups); finer blocks
                                                 # let neighbours be redrawn given each other (docs/chain.md)
    sample_burn_in: int = 0                      # sample: steps after the reveal sweep before the first sample
    sampler: str = "independent"                 # how `sample` draws each label state: independent
                                                 # per residue | crf (needs model.label_pairwise)
    match_iters: int = 8                         # crf: IPF steps pinning each residue's marginal to the
                                                 # step's softmax (0 = plain CRF on scaled logits)
    match_step: float = 0.3                      # IPF damping (undamped simultaneous updates diverge)
    temperature: float = 1.0                     # prediction: mean of softmax(z_t / T) over steps
                                                 # (seqgsn.chain.temperature; fitted when train.calibrate)


@dataclass(frozen=True)
class TrainConfig:
    walkback: int = 4                            # chain steps unrolled per update
    step_weights: str = "uniform"                # uniform | last | first (weight of each step's cost;
                                                 # first: first_step_share on step 1, model.losses.step_weights)
    first_step_share: float = 0.5                # step_weights first: step 1's share of the cost, in (0, 1)
    mask_weighting: str = "residue"              # residue: a step's cost is the mean NLL over every hidden
                                                 # residue of the batch (a chain weighs in with its mask rate
                                                 # r) | chain: the mean over each chain's hidden residues,
                                                 # then over chains (every mask rate weighs the same)
    clamp_train_p: float = 0.3                   # fraction of chains started from partly known labels
    clamp_train_max: float = 0.6                 # max fraction of labels given to those chains
    mask_all_p: float = 0.3                      # walkback starts from the true labels masked at a rate
                                                 # r ~ U(0,1); this fraction of chains starts all-masked
    mask_rate_power: float = 1.0                 # r = u ** power, u ~ U(0, 1): > 1 leans towards nearly-shown
                                                 # states (the ones late reveal steps decide in)
    span_p: float = 0.0                          # fraction of chains whose hidden labels (walkback) and
                                                 # known labels (clamp_train_p) come in whole segments
    span_length: float = 10.0                    # their mean length (geometric), residues
    relabel_p: float = 0.0                       # walkback steps >= 1: each chain swaps a fraction
                                                 # s ~ U(0, relabel_p) of its shown labels for draws from
                                                 # the previous step (the model's own guesses), which the
                                                 # step must re-decide (substitution corruption)
    hybrid_lambda: float = 1.0                   # lambda * sup(y) + (1 - lambda) * unsup(x)
    x_walkback: bool = False                     # hybrid: x walked with the labels (re-masked each step at
                                                 # model.x_corruption_p, reconstructed, fed back; Zoehrer &
                                                 # Pernkopf 2014) instead of masked once per update
    x_term: bool = True                          # False: x masked at model.x_corruption_p but never
                                                 # reconstructed or scored (control: input masking alone)
    epochs: int = 20
    lr: float = 2e-3
    weight_decay: float = 1e-2
    batch_residues: int = 16384
    grad_clip: float = 1.0
    patience: int = 5
    seed: int = 0
    threads: int = 0                             # 0 = torch default
    precision: str = "auto"                      # auto | fp32 | bf16 (autocast; auto = fp32 on every CPU,
                                                 # bf16 on CUDA sm80+; seqgsn.devices)
    max_minutes: float = 0.0                     # 0 = no time budget
    max_steps: int = 0                           # 0 = none; else a compute budget in optimiser steps: the
                                                 # LR schedule ends there and the last (partial) epoch is
                                                 # validated. Unlike max_minutes it does not depend on load
    pairwise_iters: int = 60                     # full-batch Adam steps fitting the CRF (label_pairwise)
    pairwise_lr: float = 0.05
    pairwise_matched_iters: int = 20             # then: ML of T under marginal matching (chain.match_*)
    pairwise_val_samples: int = 5                # then: crf samples per validation chain for the
                                                 # segment-length W1 recorded in the model (0 = skip)
    calibrate: bool = False                      # after walkback: fit chain.temperature on validation
    checkpoint_every: int = 200                  # optimiser steps between resumable checkpoints
    log_every: int = 50


@dataclass(frozen=True)
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    chain: ChainConfig = field(default_factory=ChainConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


_SECTIONS = {f.name: f.type for f in dataclasses.fields(Config)}
_CLASSES = {"data": DataConfig, "model": ModelConfig, "chain": ChainConfig, "train": TrainConfig}


def _coerce(cls, section: str, values: dict, source: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"section '{section}' must be a mapping", file=source)
    known = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for k, v in values.items():
        if k not in known:
            raise ConfigError(f"unknown key '{section}.{k}' (known: {', '.join(sorted(known))})",
                              file=source)
        default = known[k].default
        if isinstance(default, tuple):
            v = tuple(v) if isinstance(v, (list, tuple)) else (v,)
            kind = type(default[0]) if default else None          # (64, 64) -> int, ("a",) -> str
            if kind is not None and any(isinstance(x, bool) or not isinstance(x, kind) for x in v):
                raise ConfigError(f"'{section}.{k}' must be a list of {kind.__name__}s, got {list(v)!r}",
                                  file=source)
        elif isinstance(default, bool):
            if not isinstance(v, bool):
                raise ConfigError(f"'{section}.{k}' must be true/false, got {v!r}", file=source)
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"'{section}.{k}' must be a number, got {v!r}", file=source)
            if isinstance(default, int) and not isinstance(default, bool) and float(v) != int(v):
                raise ConfigError(f"'{section}.{k}' must be an integer, got {v!r}", file=source)
            v = type(default)(v)
        elif isinstance(default, str) and not isinstance(v, str):
            raise ConfigError(f"'{section}.{k}' must be a string, got {v!r}", file=source)
        out[k] = v
    return dataclasses.replace(cls(), **out)


def config_from_dict(d: Optional[dict], source: str = "<dict>") -> Config:
    d = d or {}
    if not isinstance(d, dict):
        raise ConfigError("top level must be a mapping", file=source)
    parts = {}
    for sec, vals in d.items():
        if sec not in _CLASSES:
            raise ConfigError(f"unknown section '{sec}' (known: {', '.join(_CLASSES)})", file=source)
        parts[sec] = _coerce(_CLASSES[sec], sec, vals or {}, source)
    cfg = Config(**parts)
    validate(cfg, source)
    return cfg


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key, first_line: int, line: int):
        super().__init__(f"key '{key}' given twice (lines {first_line} and {line}; YAML would keep the last)")


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping: PyYAML keeps the last one
    silently, so a stray ``data:`` line would override (or be overridden by) the real section."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:          # an unhashable key: the base class reports it
                continue
            if first is not None:
                raise _DuplicateKey(key, first.line + 1, key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def load_config(path) -> Config:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config: {e.strerror}", file=path) from None
    try:
        d = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as e:
        raise ConfigError(str(e), file=path) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", file=path) from None
    return config_from_dict(d, str(path))


def config_to_dict(cfg: Config) -> dict:
    def plain(v):
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        return v
    return {sec: {k: plain(v) for k, v in dataclasses.asdict(getattr(cfg, sec)).items()}
            for sec in _CLASSES}


# Numeric ranges checked when a config is read (before any data work); ``[]``: every entry of a list.
# "(0,1]" etc. are intervals; ">0" / ">=0" one-sided.
_RANGES = {
    "data.max_unlabeled": ">=0", "data.max_chains": ">=0", "data.max_train_len": ">0", "data.min_len": ">0",
    "data.filter_identity": "(0,1]", "data.filter_coverage": "(0,1]", "data.val_fraction": "[0,1)",
    "data.val_cluster_identity": "(0,1]",
    "model.profile_dim": ">=0", "model.embed_dim": ">0", "model.backbone_channels": ">0",
    "model.backbone_layers": ">0", "model.backbone_kernel": ">0", "model.backbone_dilations[]": ">0",
    "model.hidden[]": ">0", "model.hidden_kernel": ">0", "model.label_kernel": ">0", "model.dropout": "[0,1)",
    "model.noise_pre": ">=0", "model.noise_post": ">=0", "model.x_corruption_p": "[0,1)",
    "chain.batch_residues": ">0",
    "train.epochs": ">0", "train.lr": ">0", "train.weight_decay": ">=0", "train.batch_residues": ">0",
    "train.grad_clip": ">=0", "train.patience": ">=0", "train.threads": ">=0", "train.max_minutes": ">=0",
    "train.max_steps": ">=0", "train.clamp_train_p": "[0,1]", "train.clamp_train_max": "[0,1]",
    "train.pairwise_iters": ">=0", "train.pairwise_lr": ">0", "train.pairwise_matched_iters": ">=0",
    "train.pairwise_val_samples": ">=0", "train.checkpoint_every": ">=0", "train.log_every": ">=0",
}


def _in_range(v, rule: str) -> bool:
    if rule in (">0", ">=0"):
        return v > 0 if rule == ">0" else v >= 0
    lo, hi = (float(x) for x in rule[1:-1].split(","))
    return (lo < v if rule[0] == "(" else lo <= v) and (v < hi if rule[-1] == ")" else v <= hi)


def _check_ranges(cfg: Config, source: str) -> None:
    for key, rule in _RANGES.items():
        sec, name = key.rstrip("[]").split(".")
        v = getattr(getattr(cfg, sec), name)
        for x in (v if key.endswith("[]") else (v,)):
            if not _in_range(x, rule):
                want = rule.replace(">=", ">= ").replace(">0", "> 0") if rule[0] == ">" else f"in {rule}"
                raise ConfigError(f"{key.rstrip('[]')} must be {want}"
                                  f"{' (each entry)' if key.endswith('[]') else ''}, got {v!r}", file=source)


def trains_x_term(m: ModelConfig, t: TrainConfig) -> bool:
    """The hybrid x-term is trained (Zoehrer & Pernkopf): lambda < 1, x masked, train.x_term on."""
    return t.hybrid_lambda < 1 and m.x_corruption_p > 0 and t.x_term


def validate(cfg: Config, source: str = "<config>") -> None:
    m, t, c = cfg.model, cfg.train, cfg.chain
    _check_ranges(cfg, source)
    hybrid = trains_x_term(m, t)
    # settings that would be silently ignored (the trainer's hybrid / masking conditions)
    if cfg.data.unlabeled and not hybrid:
        raise ConfigError("data.unlabeled trains only the hybrid x-term: it needs train.hybrid_lambda < 1, "
                          "model.x_corruption_p > 0 and train.x_term: true", file=source)
    if m.x_corruption_p > 0 and t.x_term and t.hybrid_lambda >= 1:
        raise ConfigError(f"model.x_corruption_p {m.x_corruption_p} does nothing with train.hybrid_lambda 1: "
                          "the x-term needs hybrid_lambda < 1 (input masking alone: train.x_term: false)",
                          file=source)
    if len(m.backbone_dilations) != m.backbone_layers:
        raise ConfigError("model.backbone_dilations needs one entry per backbone layer", file=source)
    if not m.hidden:
        raise ConfigError("model.hidden needs at least one layer", file=source)
    if m.label_layers < 0:
        raise ConfigError(f"model.label_layers must be >= 0, got {m.label_layers}", file=source)
    for k in (m.backbone_kernel, m.hidden_kernel, m.label_kernel):
        if k % 2 == 0:
            raise ConfigError(f"kernel widths must be odd (got {k})", file=source)
    if c.sample_groups < 0 or c.sample_burn_in < 0:
        raise ConfigError(f"chain.sample_groups and chain.sample_burn_in must be >= 0, got {c.sample_groups}, "
                          f"{c.sample_burn_in}", file=source)
    if c.groups < 1 or c.reveal < 1:
        raise ConfigError(f"chain.groups and chain.reveal must be >= 1, got {c.groups}, {c.reveal}", file=source)
    if not 0.0 <= t.mask_all_p <= 1.0:
        raise ConfigError("train.mask_all_p must be in [0, 1]", file=source)
    if cfg.data.dedupe not in ("near", "identical"):
        raise ConfigError(f"data.dedupe must be near|identical, got {cfg.data.dedupe!r}", file=source)
    if cfg.data.dedupe_prefer not in ("8-state", "order"):
        raise ConfigError(f"data.dedupe_prefer must be 8-state|order, got {cfg.data.dedupe_prefer!r}", file=source)
    if not (0 < cfg.data.dedupe_identity <= 1 and 0 < cfg.data.dedupe_coverage <= 1):
        raise ConfigError("data.dedupe_identity and data.dedupe_coverage must be in (0, 1]", file=source)
    if not 0.0 <= t.relabel_p < 1.0:
        raise ConfigError(f"train.relabel_p must be in [0, 1), got {t.relabel_p}", file=source)
    if not 0.0 <= t.hybrid_lambda <= 1.0:
        raise ConfigError("train.hybrid_lambda must be in [0, 1]", file=source)
    if t.x_walkback and not hybrid:
        raise ConfigError("train.x_walkback needs the hybrid x-term (train.hybrid_lambda < 1, train.x_term, "
                          "model.x_corruption_p > 0)", file=source)
    if t.walkback < 1 or c.steps < 1 or not 0 <= c.burn_in < c.steps:
        raise ConfigError("need train.walkback >= 1, chain.steps >= 1 and 0 <= chain.burn_in < chain.steps",
                          file=source)
    if t.step_weights not in ("uniform", "last", "first"):
        raise ConfigError("train.step_weights must be uniform|last|first", file=source)
    if not 0.0 < t.first_step_share < 1.0:
        raise ConfigError(f"train.first_step_share must be in (0, 1), got {t.first_step_share}", file=source)
    if not 0.0 <= t.span_p <= 1.0:
        raise ConfigError(f"train.span_p must be in [0, 1], got {t.span_p}", file=source)
    if not t.span_length >= 1.0:
        raise ConfigError(f"train.span_length must be >= 1 residue, got {t.span_length}", file=source)
    if not t.mask_rate_power > 0:
        raise ConfigError(f"train.mask_rate_power must be > 0, got {t.mask_rate_power}", file=source)
    if t.mask_weighting not in ("residue", "chain"):
        raise ConfigError("train.mask_weighting must be residue|chain", file=source)
    if c.sampler not in ("independent", "crf"):
        raise ConfigError(f"chain.sampler must be independent|crf, got {c.sampler!r}", file=source)
    if len(m.crf_durations) != 8 or any(d < 1 for d in m.crf_durations):
        raise ConfigError("model.crf_durations needs 8 values >= 1 (order H G I E B T S C)", file=source)
    if not c.temperature > 0:
        raise ConfigError(f"chain.temperature must be > 0, got {c.temperature}", file=source)
    if c.match_iters < 0 or not 0.0 < c.match_step <= 1.0:
        raise ConfigError("need chain.match_iters >= 0 and 0 < chain.match_step <= 1", file=source)
    if c.sampler == "crf" and not m.label_pairwise:
        raise ConfigError("chain.sampler: crf needs model.label_pairwise: true", file=source)
    for name, v in (("train.precision", t.precision), ("chain.precision", c.precision)):
        if v not in ("auto", "fp32", "bf16"):
            raise ConfigError(f"{name} must be auto|fp32|bf16, got {v!r}", file=source)


def dump_config(cfg: Config) -> str:
    return yaml.safe_dump(config_to_dict(cfg), sort_keys=False)
