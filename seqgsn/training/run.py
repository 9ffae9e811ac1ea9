"""Glue between a config and the Trainer: build data, examples, and run (no argument parsing)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from ..data.batches import make_example
from ..data.features import FeatureSpec
from ..data.training_set import build_train_data
from ..distributed import Dist
from .stages import check_resumable
from .trainer import Trainer


def run_training(cfg, run_dir, *, resume: bool = False, log: Callable = print, progress: bool = False,
                 device: str = "cpu", dist: Optional[Dist] = None) -> dict:
    """Read, filter and split the data, train, and return the summary (``seqgsn.training.summary``).

    progress: live progress lines on stderr (filter stage, optimiser steps) as ``seqgsn train`` shows them;
    device: a resolved device name; dist: this process's place in a torchrun job (``seqgsn.distributed``;
    None = one process)."""
    run_dir = Path(run_dir)
    dist = dist or Dist()
    if resume:
        check_resumable(run_dir, cfg)
    cache = Path(cfg.data.cache_dir) if cfg.data.cache_dir else run_dir.parent / ".cache"
    if not dist.is_main:
        dist.barrier()          # rank 0 filters and fills the cache first; the others then read it
    td = build_train_data(cfg.data, cfg.train.seed, cache, log, progress=progress and dist.is_main)
    if dist.is_main:
        dist.barrier()
    spec = FeatureSpec(cfg.model.profile_dim)
    train = [make_example(r, spec) for r in td.train]
    val = [make_example(r, spec) for r in td.val]
    unl = [make_example(r, spec) for r in td.unlabeled]
    trainer = Trainer(cfg, run_dir, train, val, unl, meta={"training_data": td.description}, log=log,
                      progress=progress, device=device, dist=dist)
    summary = trainer.fit(resume=resume)
    summary["training_data"] = td.description
    return summary
