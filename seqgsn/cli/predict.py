"""``seqgsn predict`` and ``seqgsn sample``: wiring only (see ``seqgsn.chain.pipeline``)."""
from __future__ import annotations

import os
import sys

import click

from ..chain import pipeline
from ..io.fasta import FastaSource
from ..io.formats import FORMATS, SAMPLE_FORMATS, output_format
from .main import QUIET, handle_errors, main

_EPILOG = ("Exit status: 0 = all records done; 3 = some records skipped (see the summary on stderr and "
           "--errors); 2 = error (bad input, options, or --on-error fail).")


def _common(fn):
    """Options shared by predict and sample (applied bottom-up)."""
    opts = [
        click.argument("input", type=str),
        click.option("-o", "--output", "out", default=None, metavar="OUT",
                     help="Output file (written atomically), or a directory (existing, or ending in '/') "
                          "for one file per record. Default: standard output."),
        click.option("--model", "model_path", default=None, type=click.Path(dir_okay=False),
                     help="Model file (default: the bundled model)."),
        click.option("--clamp", "clamp_file", default=None, type=click.Path(dir_okay=False),
                     help="FASTA-like file of known labels: '>id' then HGIEBTSC/'-' per residue."),
        click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the chain."),
        click.option("--burn-in", "burn_in", default=None, type=click.IntRange(min=0),
                     help="predict: chain steps not averaged (default: the model's); sample: steps after the "
                          "reveal sweep before the first sample (default: the model's chain.sample_burn_in)."),
        click.option("--on-error", "on_error", type=click.Choice(["skip", "fail"]), default="skip",
                     show_default=True, help="skip: report bad records and go on (exit 3); fail: stop at the "
                                             "first one (exit 2)."),
        click.option("--errors", "errors_file", default=None, type=click.Path(dir_okay=False),
                     help="Write every problem (rejected records, warnings) here as JSON lines."),
        click.option("--resume", is_flag=True,
                     help="Continue an interrupted run into the same -o output (no duplicates, no gaps)."),
        click.option("--batch-residues", "batch_residues", default=pipeline.DEFAULT_CHUNK_RESIDUES,
                     show_default=True, type=click.IntRange(min=1),
                     help="Residues read, predicted and written per chunk (bounds memory)."),
        click.option("--threads", default=None, type=click.IntRange(min=1),
                     help="CPU threads for the model (default: torch's choice; under torchrun: this "
                          "process's share of the cores)."),
        click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda[:N]|mps",
                     help="Where the chain runs (auto: CUDA if present, else CPU)."),
        click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default="auto",
                     show_default=True,
                     help="auto: fp32 on a CPU, bf16 on a bf16 CUDA GPU (the model "
                          "file's own setting is not used). bf16 and fp32 may differ in the last digits."),
        QUIET,
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _load(model_path, threads, device, precision):
    from ..api import load_model   # heavy (torch): only when a command runs
    return load_model(model_path, threads=threads, device=device, precision=precision)


def _finish(res, errors_file) -> None:
    rep = res.problems
    if rep is not None and len(rep):
        click.echo("seqgsn: " + rep.summary(errors_file=errors_file), err=True)
    if res.skipped:
        sys.exit(pipeline.EXIT_SKIPPED)


def _run(mode, input, out, model_path, clamp_file, seed, burn_in, on_error, errors_file, resume,
          batch_residues, threads, quiet, device, precision, fmt, **extra):
    fmt = output_format(fmt, out, samples=mode == "sample")
    opts = pipeline.RunOptions(mode=mode, fmt=fmt, seed=seed, burn_in=burn_in, on_error=on_error,
                               chunk_residues=batch_residues, **extra)
    opts.validate()
    if resume and (out is None or out == "-" or input == "-"):
        raise click.UsageError("--resume needs an input file and -o OUT")
    if input != "-":
        FastaSource(input).close()     # fail on a missing/unreadable input before loading the model
    from .. import distributed   # torchrun: ranks share the chunks (seqgsn.chain.distributed_run)
    dist, device = distributed.setup(device)
    with dist:
        try:
            distributed.share_threads(dist, threads)
            predictor = _load(model_path, threads, device, precision)
            if dist.world > 1:
                from ..chain.distributed_run import run as run_distributed
                res = run_distributed(predictor, input, dist, out=out, opts=opts, clamp_file=clamp_file,
                                      errors_file=errors_file, resume=resume)
            else:
                res = pipeline.run(predictor, input, out=out, opts=opts, clamp_file=clamp_file,
                                   errors_file=errors_file, resume=resume, progress=False if quiet else None)
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): silence the interpreter's final flush of stdout
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise
    if dist.is_main:
        _finish(res, errors_file)


@main.command(epilog=_EPILOG)
@_common
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (see seqgsn.io.formats). Default: the one -o's suffix names (.fasta/.fa, "
                   ".ss2, .horiz, .jsonl, .tsv), else fasta.")
@click.option("--steps", default=None, type=click.IntRange(min=1),
              help="Chain steps (default: the model's).")
@handle_errors
def predict(input, out, model_path, clamp_file, seed, burn_in, on_error, errors_file, resume,
             batch_residues, threads, quiet, device, precision, fmt, steps):
    """Predict 8/3-state secondary structure for every record of a FASTA file ('-' = stdin).

    Input may be gzip/bzip2/xz compressed; the FASTA policy (what is accepted,
    warned about or rejected) is in the README and in seqgsn.io.fasta.
    """
    _run("predict", input, out, model_path, clamp_file, seed, burn_in, on_error, errors_file, resume,
         batch_residues, threads, quiet, device, precision, fmt, steps=steps)


@main.command(epilog=_EPILOG)
@_common
@click.option("-n", "n", required=True, type=click.IntRange(min=1), help="Samples per record.")
@click.option("--thin", default=None, type=click.IntRange(min=1),
              help="Chain steps between kept samples (default: --groups, one sweep).")
@click.option("-f", "--format", "fmt", type=click.Choice(SAMPLE_FORMATS), default=None,
              help="jsonl: {id, sequence, samples}; fasta: one '>ID sample=K/N' block per sample. "
                   "Default: the one -o's suffix names (.jsonl, .fasta/.fa), else jsonl.")
@click.option("--sampler", type=click.Choice(["independent", "crf"]), default=None,
              help="How each chain step draws the label sequence: crf = whole segments from the "
                   "model's CRF reconstruction (models with pairwise potentials); independent = "
                   "per residue. Default: the model's.")
@click.option("--reveal", default=None, type=click.IntRange(min=1),
              help="Steps of the reveal sweep from the all-masked state, each deciding a random share of "
                   "the residues given those decided before (default: the model's chain.reveal).")
@click.option("--groups", default=None, type=click.IntRange(min=1),
              help="Groups per Gibbs sweep after the reveal sweep: each step redraws one group given the rest "
                   "(default: the model's chain.sample_groups, else chain.groups).")
@click.option("--draws", type=click.Choice(["observed", "guessed"]), default=None,
              help="How the chain shows its own draws to its next steps, for models whose label state says "
                   "which labels are observed (model.label_provenance): observed (their default: each draw "
                   "conditions the rest as a known label would, sampling the joint) or guessed (as predict).")
@click.option("--restart", is_flag=True,
              help="Every sample is its own chain through the reveal sweep (independent samples) "
                   "instead of one chain sampled every --thin steps.")
@handle_errors
def sample(input, out, model_path, clamp_file, seed, burn_in, on_error, errors_file, resume,
           batch_residues, threads, quiet, device, precision, n, thin, fmt, sampler, reveal, groups, draws, restart):
    """Draw N 8-state label sequences per record from the model's chain."""
    _run("sample", input, out, model_path, clamp_file, seed, burn_in, on_error, errors_file, resume,
         batch_residues, threads, quiet, device, precision, fmt, n=n, thin=thin, sampler=sampler,
         reveal=reveal, restart=restart, draws=draws, groups=groups)
