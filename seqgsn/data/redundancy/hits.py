"""One alignment hit between a query chain and a target chain, and the shared thresholds.

Definitions (the same for the MMseqs2 path and the Biopython fallback):

* ``identity`` = identical aligned positions / alignment length, where the
  alignment length counts every column of the local alignment, gap columns
  included (MMseqs2 ``fident`` with ``--seq-id-mode 0``).
* ``qcov`` / ``tcov`` = aligned span on the query / target chain divided by that
  chain's length, ``(end - start + 1) / L`` (MMseqs2 ``qcov`` / ``tcov``).
* ``evalue``: expected number of chance hits with this score when the query is
  searched against the whole target set.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigError

METHODS = ("auto", "mmseqs", "align")


@dataclass(frozen=True)
class Hit:
    """Alignment of query ``qi`` to target ``ti`` (0-based indices into the lists searched)."""

    qi: int
    ti: int
    identity: float
    qcov: float
    tcov: float
    evalue: float
    alnlen: int


def check_fraction(name: str, value: float, *, allow_one: bool = True) -> float:
    """``value`` as float in [0, 1] (or [0, 1) when ``allow_one`` is False), else ConfigError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not (0.0 <= v <= 1.0) or (not allow_one and v >= 1.0):
        raise ConfigError(f"{name} must be in [0, 1{']' if allow_one else ')'}, got {value!r}")
    return v


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ConfigError(f"unknown redundancy method {method!r}; use one of {', '.join(METHODS)}")
    return method


def check_threads(threads) -> int:
    try:
        t = int(threads)
    except (TypeError, ValueError):
        raise ConfigError(f"threads must be a positive integer, got {threads!r}") from None
    if t < 1:
        raise ConfigError(f"threads must be a positive integer, got {threads!r}")
    return t
