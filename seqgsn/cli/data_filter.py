"""``seqgsn data filter`` and ``seqgsn data split``: wiring for :mod:`seqgsn.data.redundancy`.

Corpus arguments are read with ``seqgsn.io.corpus.read_corpus`` (format detected
unless given) and may carry reader options as ``PATH?key=value`` (e.g.
``splits.zip?split=train``); relative paths that do not exist are looked up
under the data root (``$SEQGSN_DATA``). Outputs are seqgsn corpus files
(``save_corpus``) and JSON reports, written atomically.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .main import QUIET, data, handle_errors

METHODS = ("auto", "mmseqs", "align")


class _GreedyAgainst(click.Command):
    """Lets ``--against`` take several values: ``--against A B C`` == ``--against A --against B ...``.

    Values are taken until the next token starting with ``-``; so SRC must come
    before ``--against`` or after another option.
    """

    def parse_args(self, ctx, args):
        out, i = [], 0
        while i < len(args):
            a = args[i]
            out.append(a)
            i += 1
            if a == "--":
                out.extend(args[i:])
                break
            if a == "--against" or a.startswith("--against="):
                first = a == "--against"
                while i < len(args) and not args[i].startswith("-"):
                    if not first:
                        out.append("--against")
                    out.append(args[i])
                    first = False
                    i += 1
        return super().parse_args(ctx, out)


def _write_json(path, obj) -> None:
    from ..io.atomic import atomic_write

    with atomic_write(path) as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")


@data.command("filter", cls=_GreedyAgainst)
@click.argument("src")
@click.option("--against", multiple=True, required=True, metavar="TEST [TEST ...]",
              help="Test corpora; training chains homologous to any of their chains are removed.")
@click.option("--identity", type=click.FloatRange(0, 1, min_open=True), default=0.25, show_default=True,
              help="Remove at alignment identity >= this (identical columns / alignment length).")
@click.option("--coverage", type=click.FloatRange(0, 1, min_open=True), default=0.5, show_default=True,
              help="... when the alignment covers >= this fraction of EITHER chain.")
@click.option("--evalue", type=float, default=10.0, show_default=True,
              help="Only alignments with e-value <= this count (permissive by default).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Kept chains, as a seqgsn corpus file.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write a JSON report (counts, parameters, every removed chain and its hit).")
@click.option("--dedupe/--no-dedupe", default=True, show_default=True,
              help="Collapse identical sequences in SRC first.")
@click.option("--conflicts", type=click.Choice(["first", "drop"]), default="first",
              show_default=True,
              help="Identical sequences with different labels: keep the first, or drop them all.")
@click.option("--format", "fmt", help="Format of SRC (default: detected).")
@click.option("--against-format", help="Format of every TEST (default: detected).")
@click.option("--method", type=click.Choice(METHODS), default="auto", show_default=True,
              help="mmseqs (MMseqs2), align (Biopython, small sets only), auto (mmseqs if installed).")
@click.option("--prefilter", type=click.Choice(["both", "train", "test"]), default="both",
              show_default=True,
              help="MMseqs2 candidate pairs from train->test and/or test->train k-mer lookups "
                   "(both = most sensitive; test = fastest).")
@click.option("--threads", type=int, default=2, show_default=True)
@QUIET
@handle_errors
def filter_cmd(src, against, identity, coverage, evalue, out, json_path, dedupe, conflicts, fmt,
               against_format, method, prefilter, threads, quiet):
    """Remove from SRC every chain homologous to a chain of any TEST corpus."""
    from ..io.store import save_corpus
    from ..data.redundancy import dedupe as dedupe_records
    from ..data.redundancy import filter_against

    from ..data.redundancy.mmseqs import describe_mmseqs, n_steps
    from ..data.training_set import read_entry
    from ..io.atomic import check_plain_name, check_writable
    from ..progress import ticker

    # both are written after the (long) homology search: refuse an unwritable path first
    inputs = [("input", src)] + [("test corpus", t) for t in against]
    check_plain_name(out, what="corpus file")
    check_writable(out, what="corpus file", inputs=inputs)
    if json_path:
        check_writable(json_path, what="--json report", inputs=inputs + [("corpus file (-o)", out)])
    t0 = time.perf_counter()
    with ticker(f"filter: reading {src} and {len(against)} test corpora", quiet=quiet):
        records = read_entry(src, fmt or "")
        tests = []
        for t in against:
            tests.extend(read_entry(t, against_format or ""))
    n_input = len(records)
    dup_report = None
    if dedupe:
        records, dup_report = dedupe_records(records, conflicts=conflicts)
    tool = describe_mmseqs()
    use_mmseqs = method == "mmseqs" or (method == "auto" and tool != "not installed")
    how = f"MMseqs2 {tool}" if use_mmseqs else "Biopython alignments"
    with ticker(f"filter: {len(records):,} chains against {len(tests):,} test chains with {how}",
                n_steps({"both": "both", "train": "query", "test": "target"}[prefilter]) if use_mmseqs else None,
                quiet=quiet) as steps:
        res = filter_against(records, tests, identity=identity, coverage=coverage, method=method,
                             threads=threads, evalue=evalue, prefilter=prefilter, progress=steps)
    save_corpus(res.kept, out)
    report = {"src": src, "against": list(against), "out": str(out), "input": n_input,
              "test_chains": len(tests), "after_dedupe": len(records),
              "kept": len(res.kept), "removed": len(res.removed), "method": res.method,
              **res.params, "alignments_found": res.n_hits,
              "filter_seconds": round(res.seconds, 2),
              "seconds": round(time.perf_counter() - t0, 2),
              "duplicates": dup_report, "removed_records": res.removed}
    if json_path:
        _write_json(json_path, report)
    dup_txt = f", {dup_report['removed']} duplicate(s) dropped" if dup_report else ""
    click.echo(f"filter: {n_input} chains read{dup_txt}; {len(res.removed)} removed at identity "
               f">= {identity:g}, coverage >= {coverage:g} (either chain), e-value <= {evalue:g} "
               f"against {len(tests)} test chains; {len(res.kept)} kept -> {out} "
               f"[{res.method}, {res.seconds:.1f} s]", err=True)


@data.command("split")
@click.argument("src")
@click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for train.sgc, val.sgc and split.json.")
@click.option("--val-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--identity", type=click.FloatRange(0, 1, min_open=True), default=0.3, show_default=True,
              help="Cluster at alignment identity >= this ...")
@click.option("--coverage", type=click.FloatRange(0, 1, min_open=True), default=0.8, show_default=True,
              help="... with the alignment covering >= this of BOTH chains.")
@click.option("--format", "fmt", help="Format of SRC (default: detected).")
@click.option("--method", type=click.Choice(METHODS), default="auto", show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@QUIET
@handle_errors
def split_cmd(src, outdir, val_fraction, seed, identity, coverage, fmt, method, threads, quiet):
    """Split SRC into train/val so that no sequence cluster has members on both sides."""
    from ..io.store import save_corpus
    from ..data.redundancy import cluster_indices, find_mmseqs, split_by_cluster

    from ..data.training_set import read_entry
    from ..io.atomic import check_writable
    from ..progress import ticker

    check_writable(outdir, directory=True, what="output folder", inputs=[("input", src)])   # created after clustering
    t0 = time.perf_counter()
    with ticker(f"split: reading {src}", quiet=quiet):
        records = read_entry(src, fmt or "")
    with ticker(f"split: clustering {len(records):,} chains", quiet=quiet):
        labels = cluster_indices(records, identity, coverage, method, threads)
    train, val = split_by_cluster(records, val_fraction=val_fraction, seed=seed,
                                  clusters=labels)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    save_corpus(train, out / "train.sgc")
    save_corpus(val, out / "val.sgc")
    val_ids = {id(r) for r in val}
    summary = {"src": src, "input": len(records), "train": len(train), "val": len(val),
               "clusters": len(set(labels)),
               "val_clusters": len({lab for r, lab in zip(records, labels) if id(r) in val_ids}),
               "val_fraction": val_fraction, "seed": seed, "identity": identity,
               "coverage": coverage,
               "method": method if method != "auto" else ("mmseqs" if find_mmseqs() else "align"),
               "seconds": round(time.perf_counter() - t0, 2),
               "files": {"train": str(out / "train.sgc"), "val": str(out / "val.sgc")},
               "val_ids": [r.id for r in val]}
    _write_json(out / "split.json", summary)
    click.echo(f"split: {len(records)} chains in {summary['clusters']} clusters -> "
               f"{len(train)} train, {len(val)} val ({summary['val_clusters']} clusters) in {out}",
               err=True)
