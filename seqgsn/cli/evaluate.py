"""`seqgsn evaluate`: wiring only."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .main import QUIET, handle_errors, main


def _fractions(ctx, param, value):
    if value is None:
        return None
    try:
        out = tuple(float(x) for x in value.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {value!r}") from None
    if not out or not all(0.0 < f < 1.0 for f in out):
        raise click.BadParameter("fractions must be in (0, 1), e.g. 0.1,0.25,0.5")
    return out


def _modes(ctx, param, value):
    out = tuple(x.strip() for x in value.split(",") if x.strip())
    bad = [x for x in out if x not in ("random", "segments")]
    if not out or bad:
        raise click.BadParameter("modes are random and/or segments, e.g. random,segments")
    return out


def _timed(fn, *a, **kw):
    t0 = time.time()
    out = fn(*a, **kw)
    out["seconds"] = round(time.time() - t0, 2)
    return out


@main.command()
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="Model file (default: bundled).")
@click.option("--data", "data_path", required=True, type=click.Path(), help="Labelled corpus (any reader format).")
@click.option("--format", "fmt", help="Corpus format (default: detected).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write all metrics as JSON here.")
@click.option("--report", "report_dir", type=click.Path(),
              help="Write DIR/report.html: one self-contained page with the figures (needs matplotlib).")
@click.option("--steps", type=int, help="Chain steps (default: the model's).")
@click.option("--burn-in", type=int)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--deterministic", is_flag=True, help="Noise-free (mean-field) chain.")
@click.option("--threads", type=int)
@click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda[:N]|mps",
              help="Where the chain runs (auto: CUDA if present, else CPU).")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default="auto", show_default=True,
              help="auto: fp32 on a CPU, bf16 on a bf16 CUDA GPU.")
@click.option("--decode", type=click.Choice(["argmax", "segment"]), default="argmax", show_default=True,
              help="8-state labels from the averaged marginals: per-residue argmax, or the best string "
                   "respecting DSSP minimal segment lengths (H>=4, G>=3, I>=5, E>=2). segment: Q3/SOV3 from "
                   "the decoded string's 8->3 map, and a table with the default argmax numbers beside it.")
@click.option("--generative", is_flag=True,
              help="Add sampling (segment lengths, diversity, majority vote) and chain diagnostics.")
@click.option("--samples", "n_samples", type=click.IntRange(min=2), default=20, show_default=True,
              help="Samples per chain for --generative.")
@click.option("--clamp-fractions", callback=_fractions,
              help="Add the clamping experiment with these fractions of true labels, e.g. 0.1,0.25,0.5.")
@click.option("--clamp-modes", callback=_modes, default="random,segments", show_default=True,
              help="Where clamped labels go: random positions and/or contiguous segments.")
@click.option("--compare-model", "compare_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Compare calibration with this model (e.g. the deterministic ablation); repeatable.")
@click.option("--max-chains", type=click.IntRange(min=1),
              help="Score a seeded random subset of this many chains (everything, not only the extras).")
@click.option("--residues", "residues_out", type=click.Path(dir_okay=False),
              help="Write one row per residue here (TSV): id, pos (1-based), aa, true/pred 8-state, "
                   "true/pred 3-state, evaluated (0/1), and the 8 probabilities H G I E B T S C.")
@QUIET
@handle_errors
def evaluate(model_path, data_path, fmt, json_out, report_dir, steps, burn_in, seed, deterministic, threads,
             device, precision, decode, generative, n_samples, clamp_fractions, clamp_modes, compare_paths,
             max_chains, residues_out, quiet):
    """Q8, Q3, SOV'99, per-class scores, confusion and calibration against reference labels.

    Optionally: segment decoding, the clamping experiment, sampling and chain diagnostics,
    and a calibration comparison with other models (JSON keys decoding, clamping,
    generative, calibration_compare). --report DIR draws them as DIR/report.html.
    """
    from ..api import load_model
    from ..errors import SeqGSNError
    from ..progress import Progress, ticker
    from ..chain.segments import decode as decode_labels
    from ..data.training_set import parse_entry
    from ..evaluation import evaluate as evaluate_metrics
    from ..evaluation import format_report
    from ..evaluation.chain_experiments import calibration_compare, chain_diagnostics
    from ..evaluation.experiment_report import format_generative_report
    from ..evaluation.experiments import clamp_experiment, decode_comparison, sample_experiment, select_chains
    from ..io.atomic import atomic_write, check_writable
    from ..io.corpus import detect_format, read_corpus
    from ..evaluation.residue_table import write_residue_table
    from ..records import Prediction

    # outputs are written after the whole evaluation: refuse a path that cannot be written now, not
    # then (and name it, not the temporary file atomic_write would have failed on)
    inputs = [("corpus", data_path), ("model", model_path)] + [("model", c) for c in compare_paths]
    if json_out:
        check_writable(json_out, what="--json file", inputs=inputs)
    if residues_out:
        check_writable(residues_out, what="--residues table", inputs=inputs + [("--json file", json_out)])
    if report_dir:                      # fail before the long part, not after it
        # write_report: a *.html path is the page itself, anything else a folder it creates
        page = Path(report_dir).suffix.lower() in (".html", ".htm")
        check_writable(report_dir, directory=not page, what="--report page" if page else "--report folder",
                       inputs=inputs)
        from ..evaluation.figures import require_matplotlib
        require_matplotlib()

    def stage(what):
        if not quiet:
            from ..progress import write
            write(f"seqgsn: evaluate: {what} ...")

    for cp in compare_paths:  # loaded after the evaluation: a typo must not cost the whole run
        if not Path(cp).is_file():
            raise SeqGSNError("model file not found (--compare-model)", file=cp)
    p, opts = parse_entry(data_path)
    if not p.exists():        # before loading the model; named as typed, not under the data root
        raise SeqGSNError("corpus not found", file=data_path.partition("?")[0])
    model = load_model(model_path, steps=steps, burn_in=burn_in, threads=threads, device=device,
                       precision=precision)
    fmt = fmt or detect_format(p)           # once: the read and the note below both need it
    with ticker(f"evaluate: reading {data_path}", quiet=quiet):
        refs = read_corpus(p, format=fmt, **opts)
    if "split" not in opts and fmt == "flip":
        # splits.zip holds train, val and test together: scoring all of it is rarely what a benchmark means
        click.echo(f"note: {data_path} read whole (split=all: train, val and test, {len(refs):,} chains); "
                   f"a test set is {data_path}?split=test", err=True)
    refs = select_chains(refs, max_chains, seed)
    with_profiles = sum(r.profile is not None for r in refs)
    if with_profiles and not model.uses_profiles:
        click.echo(f"note: {with_profiles} of {len(refs)} chains in {data_path} carry profiles; this model "
                   "reads sequence only, so they are not used", err=True)
    noisy = False if deterministic else None
    t0 = time.time()
    with Progress("evaluate", sum(len(r.seq) for r in refs), "residues", quiet=quiet) as bar:
        preds = model.predict([r.as_record() for r in refs], seed=seed, noisy=noisy, on_batch=bar.update)
    secs = time.time() - t0
    if decode == "argmax":
        m = evaluate_metrics(refs, preds)
    else:
        # labels (and their 3-state map) from the decoded string; calibration from prob8
        dec = [Prediction(x.id, x.seq, decode_labels(x.prob8, decode), None) for x in preds]
        m = evaluate_metrics(refs, dec, calibration=False)
        m["calibration"] = evaluate_metrics(refs, preds, segments=False)["calibration"]
        m["decoding"] = {"method": decode, "comparison": decode_comparison(refs, preds)}
    m["data"] = str(data_path)
    m["model"] = str(model.path)
    m["decode"] = decode
    m["max_chains"] = max_chains
    m["chain"] = {"steps": model.chain.steps, "burn_in": model.chain.burn_in,
                  "noise": (not deterministic) and model.chain.noise, "seed": seed,
                  "device": str(model.device), "precision": model.precision}
    m["predict_seconds"] = round(secs, 2)
    m["profiles"] = {"chains_with_profiles": with_profiles, "used": model.uses_profiles}
    if residues_out:
        rows = write_residue_table(residues_out, refs, preds,
                                   decoded=None if decode == "argmax" else [x.ss8 for x in dec])
        if not quiet:
            click.echo(f"seqgsn: {rows} residue rows -> {residues_out}", err=True)
    if clamp_fractions:
        stage(f"clamping experiment ({len(clamp_fractions)} fractions x {len(clamp_modes)} modes)")
        m["clamping"] = _timed(clamp_experiment, model, refs, clamp_fractions, clamp_modes, seed,
                               noisy=noisy)
    if generative:
        stage(f"sampling ({n_samples} samples per chain) and chain diagnostics")
        m["generative"] = {
            "samples": _timed(sample_experiment, model, refs, n=n_samples, seed=seed, noisy=noisy),
            "chain": _timed(chain_diagnostics, model, refs, seed=seed, noisy=noisy)}
        if model.chain.sampler != "independent":   # the per-residue sampler as the reference
            m["generative"]["samples_independent"] = _timed(
                sample_experiment, model, refs, n=n_samples, seed=seed, noisy=noisy,
                sampler="independent")
    if compare_paths:
        models = {str(model.path): model}
        for cp in compare_paths:
            name = str(cp)
            while name in models:
                name += "'"
            models[name] = load_model(cp, threads=threads, device=device, precision=precision)
        stage(f"calibration comparison with {len(compare_paths)} model(s)")
        m["calibration_compare"] = _timed(calibration_compare, models, refs, seed=seed)
    click.echo(format_report(m))
    extra = format_generative_report(m)
    if extra:
        click.echo("\n" + extra)
    if json_out:
        with atomic_write(json_out) as fh:
            json.dump(m, fh, indent=1)
    if report_dir:
        from ..evaluation.html_report import write_report
        click.echo(f"report: {write_report(m, report_dir)}", err=True)
    sys.exit(0)
