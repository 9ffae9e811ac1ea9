"""The click group. Subcommands live in sibling modules and only wire library calls."""
from __future__ import annotations

import functools
import sys

import click

from .. import __version__
from ..errors import SeqGSNError


QUIET = click.option("-q", "--quiet", is_flag=True,
                     help="No progress line or periodic progress messages (stderr); errors still print.")


def handle_errors(fn):
    """Turn typed seqgsn errors (and file-system errors) into one clean line + exit code."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except SeqGSNError as e:
            click.echo(f"seqgsn: error: {e}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:
            sys.exit(0)
        except OSError as e:        # unreadable / unwritable files, a full disk: one line, not a traceback
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"seqgsn: error: {where}{e.strerror or e}", err=True)
            sys.exit(2)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="seqgsn")
def main():
    """seqgsn: protein secondary structure (DSSP 8/3-state) with a convolutional GSN."""


@main.group()
def data():
    """Corpora: import, stats, filter, split, from-structures."""
