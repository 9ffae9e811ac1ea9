"""`seqgsn train`: wiring only."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .main import handle_errors, main


def _logger(path: Path):
    fh = open(path, "a", buffering=1)

    def log(msg: str):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        click.echo(line, err=True)
        fh.write(line + "\n")
    return log


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="YAML overrides of the defaults.")
@click.option("--run-dir", type=click.Path(file_okay=False), help="Output folder (default runs/<config name>).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue the run in this folder from its last checkpoint, with its config.yaml "
                   "or --config (which may change only the post-training CRF stage's settings).")
@click.option("--seed", type=int, help="Override train.seed.")
@click.option("--threads", type=int, help="Override train.threads (per process).")
@click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda[:N]|mps",
              help="Where to train (auto: CUDA if present, else CPU; under torchrun: cuda:LOCAL_RANK).")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default=None,
              help="Override train.precision (auto: bf16 only where the hardware runs it natively).")
@handle_errors
def train(config_path, run_dir, resume_dir, seed, threads, device, precision):
    """Train a model (walkback GSN) from a config; writes config, metrics, checkpoints and model.pt.

    Several processes or machines: launch with torchrun (see seqgsn.distributed); rank 0
    alone writes the run directory."""
    from dataclasses import replace

    from ..config import Config, load_config
    from ..devices import resolve_device
    from .. import distributed
    from ..training.run import run_training

    if resume_dir:
        run_dir = Path(resume_dir)
        cfg = load_config(config_path if config_path else run_dir / "config.yaml")
    else:
        cfg = load_config(config_path) if config_path else Config()
        if run_dir is None:
            run_dir = Path("runs") / (Path(config_path).stem if config_path else "default")
        run_dir = Path(run_dir)
        if (run_dir / "state.pt").exists():
            raise click.UsageError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
    if seed is not None:
        cfg = replace(cfg, train=replace(cfg.train, seed=seed))
    if threads is not None:
        cfg = replace(cfg, train=replace(cfg.train, threads=threads))
    if precision is not None:
        cfg = replace(cfg, train=replace(cfg.train, precision=precision))
    dist, device = distributed.setup(device)
    try:
        dev = resolve_device(device)
        distributed.share_threads(dist, cfg.train.threads)
        run_dir.mkdir(parents=True, exist_ok=True)
        log = _logger(run_dir / "log.txt") if dist.is_main else (lambda msg: None)
        summary = run_training(cfg, run_dir, resume=bool(resume_dir), log=log, device=str(dev), dist=dist)
    finally:
        dist.close()
    if dist.is_main:
        click.echo(json.dumps(summary))
