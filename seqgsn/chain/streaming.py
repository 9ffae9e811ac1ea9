"""A streaming run's machinery: chunks, outputs (stdout / file / directory), partial files, progress file (the progress line: seqgsn.progress).

See :mod:`seqgsn.chain.pipeline` for the run itself and the file layout on disk.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import IO, TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Union

from ..errors import ConfigError, SeqGSNError
from ..io.atomic import atomic_write, check_plain_name, check_writable
from ..io.digest import file_sha256
from ..io.formats import EXTENSIONS, StreamWriter, file_header, format_prediction, safe_filename
from ..records import Prediction, Record

if TYPE_CHECKING:
    from .pipeline import RunOptions

PROGRESS_VERSION = 1
_HEAD_BYTES = 1 << 20


# -- chunking -----------------------------------------------------------------------------------
Item = Union[Record, SeqGSNError]


def iter_chunks(items: Iterable[Item], max_residues: int) -> Iterator[List[Item]]:
    """Consecutive items; a chunk closes right after the item that brings it to >= max_residues.

    No look-ahead: when a chunk is handed out, nothing after it has been read, so
    problems reported so far belong to this chunk or earlier ones (resume relies on it).
    """
    cur: List[Item] = []
    n = 0
    for it in items:
        cur.append(it)
        if isinstance(it, Record):
            n += len(it.seq)
        if n >= max_residues:
            yield cur
            cur, n = [], 0
    if cur:
        yield cur


def iter_rounds(chunks: Iterable[List[Item]], size: int) -> Iterator[List[List[Item]]]:
    """Consecutive chunks, ``size`` at a time (one round of a multi-process run; 1 = chunk by chunk)."""
    cur: List[List[Item]] = []
    for c in chunks:
        cur.append(c)
        if len(cur) >= size:
            yield cur
            cur = []
    if cur:
        yield cur


# -- outputs ------------------------------------------------------------------------------------
class Output:
    name: Optional[str] = None

    def begin(self, state: Optional[dict]) -> None: ...
    def write(self, preds: List[Prediction]) -> None: ...
    def sync(self) -> dict: return {}
    def finish(self) -> None: ...
    def close(self) -> None: ...


class StreamOutput(Output):
    def __init__(self, fh: IO[str], opts: "RunOptions"):
        self.fh, self.opts, self.name = fh, opts, getattr(fh, "name", "<stdout>")

    def begin(self, state):
        self.writer = StreamWriter(self.fh, self.opts.fmt, samples=self.opts.mode == "sample")

    def write(self, preds):
        for p in preds:
            self.writer.write(p)

    def sync(self):
        self.fh.flush()
        return {}


class PartialFile:
    """``PATH.partial`` that can be cut back to a checkpointed size and renamed to ``PATH`` at the end."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.fh: Optional[IO[str]] = None

    def open(self, size: Optional[int]) -> IO[str]:
        if size is None:
            self.fh = open(self.partial, "w", encoding="utf-8", newline="")
        else:
            try:
                actual = self.partial.stat().st_size
            except FileNotFoundError:
                raise ConfigError(f"cannot resume: {self.partial} is missing") from None
            if actual < size:
                raise ConfigError(f"cannot resume: {self.partial} is shorter ({actual} bytes) than its "
                                  f"checkpoint ({size} bytes)")
            self.fh = open(self.partial, "r+", encoding="utf-8", newline="")
            self.fh.truncate(size)     # drop output written after the last checkpoint
            self.fh.seek(size)
        return self.fh

    def sync(self) -> int:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        return self.fh.tell()

    def finish(self) -> None:
        self.sync()
        self.fh.close()
        os.replace(self.partial, self.path)

    def close(self) -> None:
        if self.fh is not None and not self.fh.closed:
            self.fh.close()


class FileOutput(Output):
    def __init__(self, path: Path, opts: "RunOptions"):
        self.pf, self.opts, self.name = PartialFile(path), opts, str(path)

    def begin(self, state):
        fh = self.pf.open(None if state is None else state["out_bytes"])
        self.writer = StreamWriter(fh, self.opts.fmt, samples=self.opts.mode == "sample",
                                   header=state is None)

    def write(self, preds):
        for p in preds:
            self.writer.write(p)

    def sync(self):
        return {"out_bytes": self.pf.sync()}

    def finish(self):
        self.pf.finish()

    def close(self):
        self.pf.close()


class DirOutput(Output):
    def __init__(self, d: Path, opts: "RunOptions"):
        self.dir, self.opts, self.name = Path(d), opts, str(d)
        self.used: Dict[str, int] = {}
        self.ext = EXTENSIONS[opts.fmt]

    def file_for(self, rec_id: str) -> Path:
        stem = safe_filename(rec_id)
        k = self.used.get(stem, 0) + 1
        self.used[stem] = k
        return self.dir / (f"{stem}.{self.ext}" if k == 1 else f"{stem}~{k}.{self.ext}")

    def begin(self, state):
        self.dir.mkdir(parents=True, exist_ok=True)

    def write(self, preds):
        samples = self.opts.mode == "sample"
        for p in preds:
            with atomic_write(self.file_for(p.id)) as fh:
                fh.write(file_header(self.opts.fmt, samples=samples))
                fh.write(format_prediction(p, self.opts.fmt, samples=samples, with_id=False))


class ErrorsOutput:
    """The ``--errors`` JSON-lines file, written through a resumable partial file."""

    def __init__(self, path: Path):
        self.pf = PartialFile(path)

    def begin(self, state: Optional[dict]) -> IO[str]:
        return self.pf.open(None if state is None else state.get("errors_bytes", 0))

    def sync(self) -> dict:
        return {"errors_bytes": self.pf.sync()}

    def finish(self):
        self.pf.finish()

    def publish(self) -> None:
        """A run that stopped (``--on-error fail``, Ctrl-C, a crash) still leaves ``PATH`` listing the
        problems found so far, if any; the partial file stays for ``--resume``, which rewrites ``PATH``."""
        if self.pf.fh is None or self.pf.fh.closed:
            return
        self.pf.fh.flush()
        if self.pf.fh.tell() == 0:
            return
        with open(self.pf.partial, "rb") as src, atomic_write(self.pf.path, "wb") as dst:
            shutil.copyfileobj(src, dst)

    def close(self):
        self.pf.close()


# -- progress file ------------------------------------------------------------------------------
def file_identity(path: Path) -> dict:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(_HEAD_BYTES))
    return {"path": str(Path(path).resolve()), "size": Path(path).stat().st_size, "head_sha256": h.hexdigest()}


def file_sha(path) -> Optional[str]:
    return None if path is None else file_sha256(path)


def check_resume(state: dict, expect: dict, progress_path: Path) -> None:
    if state.get("version") != PROGRESS_VERSION:
        raise ConfigError(f"cannot resume: {progress_path} has an unknown version")
    for key in ("input", "options"):
        old, new = state.get(key, {}), expect[key]
        diff = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        if diff:
            k = diff[0]
            raise ConfigError(f"cannot resume: {key} {k} differs from the interrupted run "
                              f"(was {old.get(k)!r}, now {new.get(k)!r}); rerun without --resume to start over",
                              file=str(progress_path))


# -- output targets -----------------------------------------------------------------------------
def is_dir_target(out: str) -> bool:
    return out.endswith(("/", os.sep)) or Path(out).is_dir()


def check_run_paths(source, out, errors_file, clamp_file, *, writer: bool = True) -> None:
    """Refuse, before anything is read or written, outputs that would destroy an input or each other
    (``-o`` / ``--errors`` equal to the input, the clamp file or one another), a compressed output name
    (outputs are plain text: ``out.tsv.gz`` would hold uncompressed text), and paths that cannot be
    written (``io.atomic.check_writable``; only where this process writes: ``writer``, rank 0 of a
    multi-machine run). ``source`` / ``out`` may be '-' (standard input / output)."""
    to_stdout = out is None or str(out) == "-"
    inputs = [("input", source), ("clamp file", clamp_file)]
    outputs = [("output", None if to_stdout else out), ("errors file", errors_file)]
    for i, (what, target) in enumerate(outputs):
        if target is None:
            continue
        here = Path(target).resolve()
        for other, path in inputs + outputs[:i]:
            if path is not None and str(path) != "-" and Path(path).resolve() == here:
                raise ConfigError(f"the {what} {target} is also the {other}: it would be overwritten")
    if not to_stdout and not is_dir_target(str(out)):
        check_plain_name(out)
    if not writer:
        return
    if not to_stdout:
        check_writable(out, directory=is_dir_target(str(out)))
    if errors_file is not None:
        check_writable(errors_file, what="errors file")
