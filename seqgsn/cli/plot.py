"""`seqgsn plot`: wiring only."""
from __future__ import annotations

import click

from .main import handle_errors, main


@main.command()
@click.argument("input", metavar="PRED.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, metavar="OUT",
              help="A .png, .svg or .pdf file (input with one record), or a directory (existing, ending in "
                   "'/', or a name without extension) for one file per record, named after its id.")
@click.option("-f", "--format", "fmt", type=click.Choice(["png", "svg", "pdf"]),
              help="Format of the files in a directory (default png); a file's format is its extension.")
@click.option("--per-row", type=click.IntRange(min=10), default=100, show_default=True,
              help="Residues per row; longer chains wrap onto further rows.")
@handle_errors
def plot(input, out, fmt, per_row):
    """Draw predictions or samples (JSONL) as pictures: PNG, SVG or PDF.

    A `predict --format jsonl` record becomes a PSIPRED-like cartoon (helix cylinders, strand arrows,
    coil line, clamped positions marked) over its confidence and 8-state probability tracks; a
    `sample` record becomes a raster of its samples under their consensus. Needs matplotlib:
    pip install 'seqgsn[plot]'.
    """
    from ..evaluation.plot_files import plot_jsonl

    for path in plot_jsonl(input, out, fmt=fmt, per_row=per_row):
        click.echo(str(path))
