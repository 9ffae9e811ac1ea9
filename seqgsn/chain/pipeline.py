"""Streaming prediction / sampling: FASTA in, predictions out, bounded memory (machinery: :mod:`.streaming`).

Flow: ``iter_fasta`` -> chunks of consecutive records (a chunk closes as soon as it
holds >= ``chunk_residues`` residues, so memory is bounded by the chunk size plus
the longest record, never by the file) -> ``Predictor.predict`` / ``.sample`` ->
writer, in input order. Every input record ends up either in the output or with
one ``severity="error"`` problem in the report (never both, never neither).

Outputs
-------
* no ``out`` (or ``"-"``): standard output, written chunk by chunk.
* ``out`` = a file: written to ``OUT.partial``; after each chunk the partial file is
  flushed + fsynced and the progress file ``OUT.progress.json`` is replaced
  atomically; at the end ``OUT.partial`` is renamed to ``OUT`` (so ``OUT`` appears
  complete or not at all) and the progress file is removed.
* ``out`` = an existing directory (or a path ending in ``/``): one file per record,
  ``DIR/ID.EXT`` (``ID`` with characters outside ``A-Za-z0-9._-`` replaced by ``_``;
  a repeated name gets ``~2``, ``~3``...), each written atomically; ss2 / horiz
  files are then exactly PSIPRED's layout. Progress file: ``DIR/.seqgsn.progress.json``.

Resume (``resume=True``)
------------------------
The progress file records the input (path, size, SHA-256 of its first MiB), the
options that change results (command, format, model, steps, burn-in, seed,
samples, thin, clamp file hash, chunk size), the
number of input records completed, the id of the last one, and the byte sizes of
``OUT.partial`` and the errors file at that point. On resume these are checked
(any difference is an error: nothing is overwritten), the partial files are cut
back to the recorded sizes (dropping anything written after the last checkpoint),
the first ``records_done`` input records are re-read but not predicted, and the run
continues. The result equals an uninterrupted run with the same options. Without
a progress file, ``resume`` starts from the beginning. Standard input/output
cannot be resumed.

Seeds: every record's chain is seeded from (``--seed``, the record itself) (``seqgsn.chain.marginals``), not
from its chunk: a record's output is the same alone, in any order, with any chunk or batch size, and
on any number of processes.

Several processes (``torchrun ... -m seqgsn predict``, :mod:`seqgsn.chain.distributed_run`): every rank
reads the input the same way; chunks go round robin to the ranks, one round of ``world`` chunks at a time;
rank 0 gathers each round's predictions and writes them in input order (checkpointing after each round).

Exit status (see ``seqgsn.cli.predict``): 0 = every record predicted; 3 = some
records were skipped (listed in the report); 2 = stopped on an error.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Dict, List, Optional, Protocol

from ..errors import ConfigError, SeqGSNError
from ..io.atomic import atomic_write
from ..io.fasta import FastaReader, check_clamp, read_clamp_file
from ..io.formats import FORMATS, SAMPLE_FORMATS
from ..io.problems import ProblemReport
from ..progress import Progress
from ..records import Prediction, Record
from .chunk_predict import _local, predict_items  # noqa: F401  (predict_items: distributed_run)
from .streaming import PROGRESS_VERSION, DirOutput, ErrorsOutput, FileOutput, Item, Output, StreamOutput, \
    check_resume, check_run_paths, file_identity, file_sha, is_dir_target, iter_chunks, iter_rounds

DEFAULT_CHUNK_RESIDUES = 200_000
SAMPLE_MIN_CHUNK = 131_072           # residues: four chain batches
EXIT_SKIPPED = 3


class PredictorLike(Protocol):
    def predict(self, records: List[Record], *, clamps: Optional[Dict[str, str]] = None,
                steps: Optional[int] = None, burn_in: Optional[int] = None, seed: int = 0) -> List[Prediction]:
        ...

    def sample(self, records: List[Record], *, n: int, burn_in: Optional[int] = None, thin: Optional[int] = None,
               seed: int = 0, reveal: Optional[int] = None, restart: bool = False,
               draws: Optional[str] = None, groups: Optional[int] = None) -> List[Prediction]:
        ...


@dataclass
class RunOptions:
    """What to compute and how (everything here except on_error can change results)."""

    mode: str = "predict"                  # "predict" | "sample"
    fmt: str = "fasta"
    steps: Optional[int] = None
    burn_in: Optional[int] = None
    seed: int = 0
    n: int = 1                             # samples per record (sample mode)
    thin: Optional[int] = None                   # None = the model's chain.groups (one sweep)
    sampler: Optional[str] = None          # sample mode: independent | crf (None = the model's)
    reveal: Optional[int] = None           # sample mode: reveal-sweep steps (None = the model's chain.reveal)
    restart: bool = False                  # sample mode: every sample its own chain (Predictor.sample)
    groups: Optional[int] = None           # sample mode: groups per Gibbs sweep (None = the model's)
    draws: Optional[str] = None            # sample mode: observed | guessed (None = the model's, Predictor.sample)
    chunk_residues: int = DEFAULT_CHUNK_RESIDUES
    on_error: str = "skip"

    def validate(self) -> None:
        if self.mode not in ("predict", "sample"):
            raise ConfigError(f"mode must be predict or sample, not {self.mode!r}")
        allowed = SAMPLE_FORMATS if self.mode == "sample" else FORMATS
        if self.fmt not in allowed:
            raise ConfigError(f"format {self.fmt!r} is not available for {self.mode} (one of {allowed})")
        if self.on_error not in ("skip", "fail"):
            raise ConfigError(f"on_error must be skip or fail, not {self.on_error!r}")
        for k in ("chunk_residues", "n", "thin", "reveal", "groups"):
            if getattr(self, k) is not None and getattr(self, k) < 1:
                raise ConfigError(f"{k} must be >= 1, got {getattr(self, k)}")
        if self.draws not in (None, "observed", "guessed"):
            raise ConfigError(f"draws must be observed or guessed, not {self.draws!r}")
        if self.sampler not in (None, "independent", "crf"):
            raise ConfigError(f"sampler must be independent or crf, not {self.sampler!r}")
        if self.steps is not None and self.steps < 1:
            raise ConfigError(f"steps must be >= 1, got {self.steps}")
        if self.burn_in is not None and self.burn_in < 0:
            raise ConfigError(f"burn-in must be >= 0, got {self.burn_in}")

    def effective_chunk(self) -> int:
        # Sample output grows with n: keep residues x samples per chunk near the budget, but not below
        # SAMPLE_MIN_CHUNK (four chain batches): the CRF sampler's forward-backward is sequential along
        # the sequence, so many small batches cost more than the output they save (n = 20 on CB513: 1.9x).
        if self.mode != "sample":
            return self.chunk_residues
        return max(1, self.chunk_residues // self.n, min(self.chunk_residues, SAMPLE_MIN_CHUNK))


@dataclass
class RunResult:
    records: int = 0           # input records (headers) seen, including resumed ones
    written: int = 0           # predictions written (this run and the resumed part)
    skipped: int = 0           # records rejected (severity "error")
    residues: int = 0          # residues predicted in this run
    resumed_from: int = 0      # records already done by the interrupted run
    seconds: float = 0.0
    output: Optional[str] = None
    problems: Optional[ProblemReport] = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        return EXIT_SKIPPED if self.skipped else 0


# -- the run ------------------------------------------------------------------------------------
def _model_id(predictor) -> Optional[str]:
    p = getattr(predictor, "path", None)
    return None if p is None else str(Path(p).resolve())


def run(predictor: PredictorLike, source, *, out: Optional[str] = None, opts: Optional[RunOptions] = None,
        clamp_file=None, errors_file=None, resume: bool = False, problems: Optional[ProblemReport] = None,
        stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None,
        progress: Optional[bool] = None, role=None) -> RunResult:
    """Predict (or sample) every record of ``source`` and write them to ``out``; see module doc.

    problems: report to fill (a fresh one otherwise; it is ``result.problems``).
    progress: on ``stderr`` (``seqgsn.progress``): None = a live line updated per chain batch when stderr
    is a terminal, periodic plain lines otherwise; True = the live line whatever stderr is; False = none.
    role: this process's part in a multi-process run (``seqgsn.chain.distributed_run.Role``: ``exchange(work,
    report)`` predicts a round of ``round_size`` chunks, only the ``writer`` writes files, ``barrier()``);
    None = one process.
    Raises SeqGSNError for file-level problems, or the first bad record with on_error="fail".
    """
    exchange = role.exchange if role else (lambda work, report: _local(predictor, work, opts, report))
    round_size, writer = (role.round_size, role.writer) if role else (1, True)
    opts = opts or RunOptions()
    opts.validate()
    if opts.mode == "sample" and hasattr(predictor, "resolve_sampler"):
        predictor.resolve_sampler(opts.sampler)    # a usage error up front, not one per record
        predictor.resolve_draws(opts.draws)
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    to_stdout = out is None or str(out) == "-"
    is_stdin = str(source) == "-"
    if resume and (to_stdout or is_stdin):
        raise ConfigError("--resume needs an input file and an output file or directory (-o), "
                          "not standard input/output")
    check_run_paths(source if isinstance(source, (str, os.PathLike)) else "-", out, errors_file, clamp_file,
                    writer=writer)
    clamps_raw = read_clamp_file(clamp_file) if clamp_file is not None else None

    if not writer:
        output = Output()
        progress_path = None if to_stdout or is_dir_target(str(out)) else \
            Path(out).with_name(Path(out).name + ".progress.json")
        if not to_stdout and is_dir_target(str(out)):
            progress_path = Path(out) / ".seqgsn.progress.json"
    elif to_stdout:
        output: Output = StreamOutput(stdout, opts)
        progress_path = None
    elif is_dir_target(str(out)):
        output = DirOutput(Path(out), opts)
        progress_path = Path(out) / ".seqgsn.progress.json"
    else:
        output = FileOutput(Path(out), opts)
        progress_path = Path(out).with_name(Path(out).name + ".progress.json")
    errors_out = ErrorsOutput(Path(errors_file)) if errors_file is not None and writer else None

    expect = None
    if progress_path is not None:
        opt_view = {k: v for k, v in asdict(opts).items() if k != "on_error"}
        opt_view.update(command=opts.mode, model=_model_id(predictor), clamp_sha256=file_sha(clamp_file),
                        errors_file=None if errors_file is None else str(Path(errors_file).resolve()))
        expect = {"input": file_identity(Path(source)) if not is_stdin else {"path": "-"},
                  "options": opt_view}

    state = None
    if resume and progress_path.exists():
        try:
            state = json.loads(progress_path.read_text())
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot resume: unreadable progress file ({e})", file=str(progress_path)) from None
        check_resume(state, expect, progress_path)
        complete = not to_stdout and not is_dir_target(str(out)) and Path(out).exists() and \
            not Path(str(out) + ".partial").exists()
        if role:
            role.barrier()          # every rank has read the same state before rank 0 changes any file
        if complete and not writer:
            return RunResult(records=state["records_done"], resumed_from=state["records_done"])
        if isinstance(output, FileOutput) and not output.pf.partial.exists() and output.pf.path.exists():
            # interrupted after the final rename: the output is complete
            progress_path.unlink()
            return RunResult(records=state["records_done"], written=state["written"], skipped=state["skipped"],
                             resumed_from=state["records_done"], output=output.name)
    else:
        if role:
            role.barrier()
        if resume:
            stderr.write(f"seqgsn: no interrupted run found for {out}; starting from the beginning\n")

    report = problems if problems is not None else ProblemReport(keep=1000)
    result = RunResult(output=None if to_stdout else str(out), problems=report)
    done = state["records_done"] if state else 0
    chunk_index = state["chunks_done"] if state else 0
    result.resumed_from = done
    t0 = time.monotonic()
    bar = Progress(opts.mode, None, "residues", quiet=progress is False, stream=stderr,
                   tty=True if progress else None)
    read_res = [0]          # residues read from the input so far (resumed part included), for the total
    finished = False
    try:
        output.begin(state)
        if errors_out is not None:
            report.sink = errors_out.begin(state)
        reader = FastaReader(source, on_error=opts.on_error, problems=report)
        used_clamps: set = set()
        rejected_ids: set = set()          # ids of records the reader rejected (their clamps are not "unused")

        def record_item(x: Item) -> Optional[Item]:
            """Clamp check; returns the item as it should be treated (a record or an error)."""
            if not isinstance(x, Record):
                rejected_ids.add(getattr(x, "record", None))
            elif clamps_raw is not None and x.id in clamps_raw:
                labels, cline, label_lines = clamps_raw[x.id]
                used_clamps.add(x.id)
                err = check_clamp(x, labels, file=str(clamp_file), line=cline, label_lines=label_lines)
                if err is not None:
                    report.add_error(err, index=x.index)
                    if opts.on_error == "fail":
                        raise err
                    return err
            return x

        # checked as each record is read, so a record's clamp problem follows its own FASTA problems in the
        # report (input order), not the end of its chunk's
        it = map(record_item, reader)

        # re-read (without predicting) what the interrupted run already did
        if done:
            report.muted = True
            last = None
            for _ in range(done):
                try:
                    x = next(it)
                except StopIteration:
                    raise ConfigError(f"cannot resume: the input has fewer than {done} records now") from None
                last = x
                read_res[0] += len(getattr(x, "seq", ""))
                if isinstance(output, DirOutput) and isinstance(x, Record):
                    output.file_for(x.id)
            last_id = getattr(last, "id", getattr(last, "record", None))
            if last_id != state.get("last_id"):
                raise ConfigError(f"cannot resume: record {done} is {last_id!r} now, was "
                                  f"{state.get('last_id')!r}; the input changed")
            report.muted = False
            result.records = done
            result.written = state["written"]
            result.skipped = report.n_errors

        resumed_res = read_res[0]
        for rnd in iter_rounds(iter_chunks(it, opts.effective_chunk()), round_size):
            work = []
            for items in rnd:
                recs = [x for x in items if isinstance(x, Record)]
                read_res[0] += sum(len(r.seq) for r in recs)
                clamps = {r.id: clamps_raw[r.id][0] for r in recs if clamps_raw and r.id in clamps_raw} or None
                work.append((items, recs, clamps))
            src = reader.source
            size = src.size
            got = src.bytes_read() or size       # None: the source is closed, i.e. read to its end
            if size and got:        # estimated from the bytes read: residues per byte so far
                bar.set_total(max(bar.n + sum(len(r.seq) for _, recs, _ in work for r in recs),
                                  read_res[0] * size / got - resumed_res))
            bar.set_postfix(f"{result.records + sum(len(items) for items, _, _ in work):,} records")
            done_preds = exchange(work, report) if role else _local(predictor, work, opts, report, bar.update)
            for (items, recs, _), preds in zip(work, done_preds):
                output.write([p for p in preds if p is not None])
                last = items[-1]
                result.records += len(items)
                result.written += sum(p is not None for p in preds)
                result.residues += sum(len(r.seq) for r, p in zip(recs, preds) if p is not None)
                result.skipped = report.n_errors
                chunk_index += 1
            ckpt = output.sync()
            if errors_out is not None:
                ckpt.update(errors_out.sync())
            if progress_path is not None and writer:
                ckpt.update(version=PROGRESS_VERSION, records_done=result.records, chunks_done=chunk_index,
                            written=result.written, skipped=result.skipped,
                            last_id=getattr(last, "id", getattr(last, "record", None)), **expect)
                with atomic_write(progress_path) as fh:
                    json.dump(ckpt, fh)
            bar.set_n(result.residues)      # exact, also when a chunk fell back to one record at a time

        bar.set_total(bar.n)
        if clamps_raw is not None:
            for cid, (_, cline, _) in clamps_raw.items():
                if cid not in used_clamps:
                    why = ("its record was rejected (see that record's error)" if cid in rejected_ids
                           else "matches no input record")
                    report.add(f"clamp for id {cid!r} not used: {why}", severity="warning",
                               code="clamp_unused", id=cid, file=str(clamp_file), line=cline)
        if errors_out is not None:
            errors_out.finish()
        output.finish()
        if writer and progress_path is not None and progress_path.exists():
            progress_path.unlink()
        finished = True
    finally:
        bar.close()
        output.close()
        if errors_out is not None:
            if not finished:
                errors_out.publish()
            errors_out.close()
        if not finished and writer:
            _after_failure(output, errors_out, progress_path, result, stderr)
    result.skipped = report.n_errors
    result.seconds = time.monotonic() - t0
    return result


def _after_failure(output, errors_out, progress_path, result, stderr) -> None:
    """Keep resumable partial files if something was done; otherwise leave no trace."""
    partials = [o.pf for o in (output, errors_out) if isinstance(o, (FileOutput, ErrorsOutput))]
    has_progress = progress_path is not None and progress_path.exists()
    if has_progress:
        stderr.write(f"seqgsn: stopped after {result.records} records; partial results kept "
                     f"({', '.join(str(p.partial) for p in partials) or progress_path}); "
                     "rerun the same command with --resume to continue\n")
        return
    for pf in partials:
        try:
            pf.partial.unlink()
        except FileNotFoundError:
            pass
