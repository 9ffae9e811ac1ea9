"""`seqgsn train`: wiring only."""
from __future__ import annotations

import time
from pathlib import Path

import click

from .main import QUIET, handle_errors, main


def _logger(path: Path, quiet: bool):
    """Log lines go to RUN/log.txt, and to stderr unless --quiet (without tearing a live progress line)."""
    from ..progress import write
    fh = open(path, "a", buffering=1)

    def log(msg: str):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        if not quiet:
            write(line)
        fh.write(line + "\n")
    return log


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="YAML overrides of the code's defaults (required unless --resume; configs/default.yaml is "
                   "the bundled recipe).")
@click.option("--run-dir", type=click.Path(file_okay=False), help="Output folder (default runs/<config name>).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue the run in this folder from its last checkpoint, with its config.yaml "
                   "or --config (which may change only the post-training CRF stage's settings).")
@click.option("--train-data", "train_data", multiple=True, metavar="CORPUS",
              help="Train on this corpus instead of the config's data.train (repeatable; any format "
                   "`seqgsn data stats` reads, see docs/formats.md). A path as typed, or under the data root.")
@click.option("--seed", type=int, help="Override train.seed.")
@click.option("--threads", type=click.IntRange(min=1), help="Override train.threads (per process).")
@click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda[:N]|mps",
              help="Where to train (auto: CUDA if present, else CPU; under torchrun: cuda:LOCAL_RANK).")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default=None,
              help="Override train.precision (auto: fp32 on a CPU, bf16 on a bf16 CUDA GPU).")
@QUIET
@handle_errors
def train(config_path, run_dir, resume_dir, train_data, seed, threads, device, precision, quiet):
    """Train a model (walkback GSN) from a config; writes config, metrics, checkpoints and model.pt.

    Prints where the model and the run folder are, and one summary (accuracies in percent). Several
    processes or machines: launch with torchrun (see seqgsn.distributed); rank 0 alone writes the run
    directory.
    """
    from dataclasses import replace

    from .. import distributed
    from ..config import load_config
    from ..devices import resolve_device
    from ..errors import SeqGSNError
    from ..training.run import run_training
    from ..training.summary import format_summary

    if resume_dir:
        if train_data:
            raise click.UsageError("--train-data cannot change a run being resumed")
        if run_dir is not None and Path(run_dir).resolve() != Path(resume_dir).resolve():
            raise click.UsageError("--resume DIR continues the run in DIR; --run-dir cannot name another folder")
        run_dir = Path(resume_dir)
        if not (run_dir / "config.yaml").exists():
            raise click.UsageError(f"no run to resume in {run_dir} (no config.yaml)")
        cfg = load_config(config_path if config_path else run_dir / "config.yaml")
    else:
        if not config_path:     # the code's defaults are not the bundled recipe: say which one to train
            raise click.UsageError("give --config: configs/default.yaml is the bundled model's recipe, "
                                   "configs/tiny.yaml a seconds-long smoke test (or --resume RUN_DIR)")
        cfg = load_config(config_path)
        if run_dir is None:
            run_dir = Path("runs") / Path(config_path).stem
        run_dir = Path(run_dir)
        if (run_dir / "state.pt").exists():
            raise click.UsageError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
    if train_data:
        from ..data.training_set import parse_entry
        for entry in train_data:
            p, _ = parse_entry(entry)
            if not p.exists():
                raise SeqGSNError("training corpus not found", file=entry.partition("?")[0])
        # an absolute path: the run's config.yaml then names the file whatever the working folder
        entries = [str(parse_entry(e)[0].resolve()) + (("?" + e.partition("?")[2]) if "?" in e else "")
                   for e in train_data]
        cfg = replace(cfg, data=replace(cfg.data, train=tuple(entries), train_formats=()))
    if seed is not None:
        cfg = replace(cfg, train=replace(cfg.train, seed=seed))
    if threads is not None:
        cfg = replace(cfg, train=replace(cfg.train, threads=threads))
    if precision is not None:
        cfg = replace(cfg, train=replace(cfg.train, precision=precision))
    dist, device = distributed.setup(device)
    with dist:
        dev = resolve_device(device)
        distributed.share_threads(dist, cfg.train.threads)
        run_dir.mkdir(parents=True, exist_ok=True)
        log = _logger(run_dir / "log.txt", quiet) if dist.is_main else (lambda msg: None)
        log(f"[train] run folder {run_dir}" + (f", config {config_path}" if config_path else ""))
        summary = run_training(cfg, run_dir, resume=bool(resume_dir), log=log, progress=not quiet and dist.is_main,
                               device=str(dev), dist=dist)
    if dist.is_main:
        _learning_curves(run_dir, log)
        click.echo(format_summary(summary, run_dir))


def _learning_curves(run_dir: Path, log) -> None:
    """learning_curves.png in the run directory; without matplotlib a one-line note instead."""
    from ..errors import ToolNotFoundError
    from ..evaluation.report_figures import write_learning_curves
    if not (run_dir / "metrics.jsonl").exists():      # no finished epoch
        return
    try:
        log(f"[train] learning curves: {write_learning_curves(run_dir)}")
    except ToolNotFoundError:
        log("[train] no learning_curves.png: matplotlib is not installed (pip install 'seqgsn[plot]')")
