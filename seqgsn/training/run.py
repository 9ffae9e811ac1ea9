"""Glue between a config and the Trainer: build data, examples, and run (no argument parsing)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..data.batches import make_example
from ..data.features import FeatureSpec
from ..data.training_set import build_train_data
from .trainer import Trainer


def run_training(cfg, run_dir, *, resume: bool = False, log: Callable = print, progress: bool = False) -> dict:
    """Read, filter and split the data, train, and return the summary (``seqgsn.training.summary``).

    progress: live progress lines on stderr (filter stage, optimiser steps) as ``seqgsn train`` shows them."""
    run_dir = Path(run_dir)
    cache = Path(cfg.data.cache_dir) if cfg.data.cache_dir else run_dir.parent / ".cache"
    td = build_train_data(cfg.data, cfg.train.seed, cache, log, progress=progress)
    spec = FeatureSpec(cfg.model.profile_dim)
    train = [make_example(r, spec) for r in td.train]
    val = [make_example(r, spec) for r in td.val]
    unl = [make_example(r, spec) for r in td.unlabeled]
    trainer = Trainer(cfg, run_dir, train, val, unl, meta={"training_data": td.description}, log=log,
                      progress=progress)
    summary = trainer.fit(resume=resume)
    summary["training_data"] = td.description
    return summary
