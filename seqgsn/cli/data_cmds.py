"""``seqgsn data import | stats | from-structures``: wiring only.

Library code: seqgsn.io.corpus (readers, stats), seqgsn.io.store, seqgsn.data.structures.
"""
from __future__ import annotations

import json
import time

import click

from ..errors import SeqGSNError
from .main import QUIET, data, handle_errors

_FORMAT = click.option("--format", "fmt", default=None, metavar="F",
                       help="Corpus format (default: detected from content). One of: "
                            "store, scratch1d, netsurfp_csv, pisces_csv, cb6133_csv, three_line, "
                            "tianchi, flip, dnss2_tar, hdf5, icml_npy, dssp, dssp_mmcif, fasta.")
_SPLIT = click.option("--split", default=None, type=click.Choice(["all", "train", "val", "test"]),
                      help="FLIP splits.zip only: which split to read (default all).")


def _read(src, fmt, split):
    """SRC as every command takes it: a path as typed or under the data root, reader options after '?'
    (``splits.zip?split=test``); ``--split`` is the same option."""
    from ..data.training_set import find_entry
    from ..io.corpus import detect_format, read_corpus
    path, opts = find_entry(src)
    if split is not None:
        if opts.get("split", split) != split:
            raise click.UsageError(f"--split {split} and {src} name different splits")
        opts["split"] = split
    fmt = fmt or detect_format(path)
    return fmt, read_corpus(path, format=fmt, **opts)


@data.command("import")
@click.argument("src")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Corpus file to write (seqgsn store format).")
@_FORMAT
@_SPLIT
@QUIET
@handle_errors
def import_cmd(src, out, fmt, split, quiet):
    """Read corpus SRC (file or folder) and save it as one seqgsn corpus file."""
    from ..io.atomic import check_plain_name, check_writable
    from ..io.store import save_corpus
    from ..progress import ticker
    check_plain_name(out, what="corpus file")
    check_writable(out, what="corpus file", inputs=[("input", src)])   # before reading a big corpus
    t0 = time.perf_counter()
    with ticker(f"import: reading {src}", quiet=quiet):
        fmt, recs = _read(src, fmt, split)
    with ticker(f"import: writing {len(recs):,} chains to {out}", quiet=quiet):
        save_corpus(recs, out)
    n = sum(len(r.seq) for r in recs)
    click.echo(f"imported {len(recs)} chains, {n} residues ({fmt}) from {src} -> {out} "
               f"in {time.perf_counter() - t0:.1f} s", err=True)


@data.command("stats")
@click.argument("src", nargs=-1)
@_FORMAT
@_SPLIT
@click.option("--dedupe", is_flag=True,
              help="Also count the chains that training-set assembly would merge across (and within) the "
                   "SRC corpora, given in trust order: identical and near-identical ones (MMseqs2 identity "
                   ">= 0.95 over >= 0.9 of both chains); the copy kept has 8-state labels if any has, "
                   "then comes from the SRC given first.")
@click.option("--identical-only", is_flag=True, help="With --dedupe: merge identical sequences only.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Instead of SRC: assemble the training data of this config as `seqgsn train` would "
                   "(test-set filter, twin merge, validation split; cached) and print per corpus what "
                   "each step kept.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="With --config: cache folder (default data.cache_dir, else runs/.cache, the cache of "
                   "`seqgsn train --run-dir runs/NAME`).")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@handle_errors
def stats_cmd(src, fmt, split, dedupe, identical_only, config_path, cache_dir, as_json):
    """Counts, label frequencies and lengths of corpus SRC (one or more)."""
    from ..io.corpus import corpus_stats
    if config_path:
        if src:
            raise click.UsageError("give either SRC corpora or --config, not both")
        return _assembly_stats(config_path, cache_dir, as_json)
    if not src:
        raise click.UsageError("missing SRC (a corpus file or folder), or --config")
    stats, corpora = [], []
    for one in src:
        f, recs = _read(one, fmt, split)
        stats.append({"source": str(one), "format": f, **corpus_stats(recs)})
        corpora.append(recs)
    report = None
    if dedupe:
        from ..data.redundancy.twins import merge_twins
        _, report = merge_twins(corpora, [str(s) for s in src], near=not identical_only)
    if as_json:
        out = stats[0] if len(stats) == 1 and report is None else {"sources": stats, "dedupe": report}
        click.echo(json.dumps(out, indent=2))
        return
    for k, st in enumerate(stats):
        if k:
            click.echo("")
        _print_stats(st)
    if report is not None:
        click.echo("")
        _print_dedupe(report)


def _print_stats(st: dict) -> None:
    ln = st["length"]
    click.echo(f"source     {st['source']} ({st['format']})")
    click.echo(f"chains     {st['chains']}")
    click.echo(f"residues   {st['residues']}  (evaluated {st['evaluated_residues']})")
    click.echo(f"labelled   ss8: {st['chains_with_ss8']} chains, ss3: {st['chains_with_ss3']} "
               f"chains, profiles: {st['chains_with_profile']} chains")
    click.echo(f"length     min {ln['min']}  median {ln['median']}  max {ln['max']}")
    for key, name in (("ss8_freq", "8-state"), ("ss3_freq", "3-state")):
        if st[f"labelled_residues_{key[:3]}"]:
            click.echo(f"{name:10s} " + "  ".join(f"{s} {v:.3f}" for s, v in st[key].items()))


def _print_dedupe(rep: dict) -> None:
    what = (f"identical and near-identical (identity >= {rep['identity']} over >= {rep['coverage']} of both "
            f"chains; {rep['method']})" if rep["near"] else "identical sequences")
    click.echo(f"dedupe     {what}: {rep['input']} chains -> {rep['kept']} kept "
               f"({rep['identical_removed']} identical, {rep['near_identical_removed']} near-identical removed)")
    click.echo(f"           rule: {rep['rule']}")
    for c in rep["corpora"]:
        by = ", ".join(f"{n} into {k}" for k, n in c["removed_for"].items())
        click.echo(f"  {c['entry']}: {c['chains']} -> {c['kept']} kept ({c['identical_removed']} identical, "
                   f"{c['near_identical_removed']} near-identical removed" + (f"; merged {by}" if by else "")
                   + ")")
    ag = rep["identical_label_agreement"]
    if ag["compared"]:
        click.echo(f"           labels of identical copies agree on "
                   f"{100 * (1 - ag['differing'] / ag['compared']):.2f}% of {ag['compared']} residues")


def _assembly_stats(config_path, cache_dir, as_json) -> None:
    from pathlib import Path

    from ..config import load_config
    from ..data.training_set import build_train_data
    cfg = load_config(config_path)
    cache = Path(cache_dir or cfg.data.cache_dir or "runs/.cache")
    td = build_train_data(cfg.data, cfg.train.seed, cache, log=lambda m: click.echo(m, err=True))
    d = td.description
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    click.echo(f"config     {config_path} (cache {cache})")
    click.echo(f"filter     identity >= {d['filter_identity']} over >= {d['filter_coverage']} of either chain "
               f"against {', '.join(d['filter_against']) or 'nothing'} ({d['test_chains']} chains)")
    head = ("corpus", "read", "filtered", "kept", "residues", ">=min_len", "identical", "near-id.", "dedupe kept",
            "residues")
    rows = [(c["entry"], c["chains"], c["removed"], c["kept"], c.get("kept_residues", ""),
             c.get("after_min_len", c["kept"]),
             c.get("identical_removed", 0), c.get("near_identical_removed", 0), c.get("after_dedupe", c["kept"]),
             c.get("after_dedupe_residues", "")) for c in d["corpora"]]
    w = max(len(head[0]), *(len(str(r[0])) for r in rows))
    fmt = f"{{:<{w}}}" + "  {:>9}" * (len(head) - 1)
    click.echo(fmt.format(*head))
    for r in rows:
        click.echo(fmt.format(*r))
    dd = d["dedupe"]
    click.echo(fmt.format("total", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                          sum(r[4] or 0 for r in rows), dd["input"], dd["identical_removed"],
                          dd["near_identical_removed"], dd["kept"], sum(r[9] or 0 for r in rows)))
    click.echo(f"split      train {d['train_chains']} chains / {d['train_residues']} residues; validation "
               f"{d['val_chains']} chains / {d['val_residues']} residues")


@data.command("from-structures")
@click.argument("src", type=click.Path(exists=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Corpus file to write (seqgsn store format).")
@click.option("--chains", default=None, metavar="A,B", help="Keep only these chain ids.")
@click.option("--min-length", default=1, show_default=True, type=click.IntRange(min=1),
              help="Skip chains with fewer residues.")
@click.option("--mkdssp", default=None, metavar="EXE", help="mkdssp executable (default: on PATH).")
@handle_errors
def from_structures_cmd(src, out, chains, min_length, mkdssp):
    """Label every chain of the PDB/mmCIF file(s) in SRC with DSSP (mkdssp) and save a corpus."""
    from ..data.structures import chains_from_structures
    from ..io.atomic import check_plain_name, check_writable
    from ..io.store import save_corpus
    check_plain_name(out, what="corpus file")
    check_writable(out, what="corpus file", inputs=[("input", src)])   # before running DSSP on every structure
    want = None if chains is None else [c.strip() for c in chains.split(",") if c.strip()]
    recs, skipped = chains_from_structures(src, chains=want, min_length=min_length, mkdssp=mkdssp)
    for s in skipped:
        click.echo(f"seqgsn: skipped {s.file}" + (f" chain {s.chain}" if s.chain else "")
                   + f": {s.reason}", err=True)
    if not recs:
        raise SeqGSNError("no chain could be labelled; nothing written", file=src)
    save_corpus(recs, out)
    click.echo(f"wrote {len(recs)} chains ({sum(len(r.seq) for r in recs)} residues) to {out}; "
               f"skipped {len(skipped)}", err=True)
