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
    from ..io.corpus import detect_format, read_corpus
    fmt = fmt or detect_format(src)
    opts = {} if split is None else {"split": split}
    return fmt, read_corpus(src, format=fmt, **opts)


@data.command("import")
@click.argument("src", type=click.Path(exists=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Corpus file to write (seqgsn store format).")
@_FORMAT
@_SPLIT
@QUIET
@handle_errors
def import_cmd(src, out, fmt, split, quiet):
    """Read corpus SRC (file or folder) and save it as one seqgsn corpus file."""
    from ..io.store import save_corpus
    from ..progress import ticker
    t0 = time.perf_counter()
    with ticker(f"import: reading {src}", quiet=quiet):
        fmt, recs = _read(src, fmt, split)
    with ticker(f"import: writing {len(recs):,} chains to {out}", quiet=quiet):
        save_corpus(recs, out)
    n = sum(len(r.seq) for r in recs)
    click.echo(f"imported {len(recs)} chains, {n} residues ({fmt}) from {src} -> {out} "
               f"in {time.perf_counter() - t0:.1f} s", err=True)


@data.command("stats")
@click.argument("src", type=click.Path(exists=True))
@_FORMAT
@_SPLIT
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@handle_errors
def stats_cmd(src, fmt, split, as_json):
    """Counts, label frequencies and lengths of corpus SRC."""
    from ..io.corpus import corpus_stats
    fmt, recs = _read(src, fmt, split)
    st = {"source": str(src), "format": fmt, **corpus_stats(recs)}
    if as_json:
        click.echo(json.dumps(st, indent=2))
        return
    ln = st["length"]
    click.echo(f"source     {st['source']} ({fmt})")
    click.echo(f"chains     {st['chains']}")
    click.echo(f"residues   {st['residues']}  (evaluated {st['evaluated_residues']})")
    click.echo(f"labelled   ss8: {st['chains_with_ss8']} chains, ss3: {st['chains_with_ss3']} "
               f"chains, profiles: {st['chains_with_profile']} chains")
    click.echo(f"length     min {ln['min']}  median {ln['median']}  max {ln['max']}")
    for key, name in (("ss8_freq", "8-state"), ("ss3_freq", "3-state")):
        if st[f"labelled_residues_{key[:3]}"]:
            click.echo(f"{name:10s} " + "  ".join(f"{s} {v:.3f}" for s, v in st[key].items()))


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
    from ..io.store import save_corpus
    from ..data.structures import chains_from_structures
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
