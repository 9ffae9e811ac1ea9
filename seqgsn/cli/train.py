"""`seqgsn train` and `seqgsn evaluate`: wiring only."""
from __future__ import annotations

import json
import sys
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
              help="Continue the run in this folder from its last checkpoint (uses its config.yaml).")
@click.option("--seed", type=int, help="Override train.seed.")
@click.option("--threads", type=int, help="Override train.threads.")
@handle_errors
def train(config_path, run_dir, resume_dir, seed, threads):
    """Train a model (walkback GSN) from a config; writes config, metrics, checkpoints and model.pt."""
    from dataclasses import replace

    from ..config import Config, load_config
    from ..training import run_training

    if resume_dir:
        run_dir = Path(resume_dir)
        cfg = load_config(run_dir / "config.yaml")
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
    run_dir.mkdir(parents=True, exist_ok=True)
    summary = run_training(cfg, run_dir, resume=bool(resume_dir), log=_logger(run_dir / "log.txt"))
    click.echo(json.dumps(summary))


@main.command()
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="Model file (default: bundled).")
@click.option("--data", "data_path", required=True, type=click.Path(), help="Labelled corpus (any reader format).")
@click.option("--format", "fmt", help="Corpus format (default: detected).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write all metrics as JSON here.")
@click.option("--steps", type=int, help="Chain steps (default: the model's).")
@click.option("--burn-in", type=int)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--deterministic", is_flag=True, help="Noise-free (mean-field) chain.")
@click.option("--threads", type=int)
@handle_errors
def evaluate(model_path, data_path, fmt, json_out, steps, burn_in, seed, deterministic, threads):
    """Q8, Q3, SOV'99, per-class scores, confusion and calibration against reference labels."""
    from ..api import load_model
    from ..io.atomic import atomic_write
    from ..io.corpus import read_corpus
    from ..metrics import evaluate as evaluate_metrics
    from ..metrics import format_report
    from ..trainset import parse_entry

    model = load_model(model_path, steps=steps, burn_in=burn_in, threads=threads)
    p, opts = parse_entry(data_path)
    refs = read_corpus(p, format=fmt, **opts)
    t0 = time.time()
    preds = model.predict([r.as_record() for r in refs], seed=seed,
                          noisy=False if deterministic else None)
    secs = time.time() - t0
    m = evaluate_metrics(refs, preds)
    m["data"] = str(data_path)
    m["model"] = str(model.path)
    m["chain"] = {"steps": model.chain.steps, "burn_in": model.chain.burn_in,
                  "noise": (not deterministic) and model.chain.noise, "seed": seed}
    m["predict_seconds"] = round(secs, 2)
    click.echo(format_report(m))
    if json_out:
        with atomic_write(json_out) as fh:
            json.dump(m, fh, indent=1)
    sys.exit(0)
