"""One copy of every identical or near-identical chain across (and within) training corpora.

Used by training-set assembly before the validation split, so that no validation
chain has a twin in training and no chain is counted twice.

Twins:

* **identical**: equal sequences (ignoring case), grouped exactly, no alignment;
* **near-identical** (``near=True``): a local alignment with identity >= ``identity``
  (default 0.95; identical columns / alignment length, gaps included, as in
  :mod:`seqgsn.data.redundancy.hits`) covering >= ``coverage`` (default 0.9) of
  BOTH chains, found by an all-against-all MMseqs2 search of the distinct
  sequences (:func:`seqgsn.data.redundancy.mmseqs.self_search`), or by Biopython for
  small sets (up to ``SMALL_PAIRS`` pairs, or when MMseqs2 is missing).

Twins are joined transitively (connected components: if A~B and B~C, one copy of
A, B, C survives), so no two surviving chains are twins of each other.

Which copy survives (its sequence and labels are the ones trained on): the one
with 8-state labels over a 3-state-only one; among equals, the one from the
corpus listed first (``data.train`` order, so a config orders its corpora by
trust); within one corpus, the earlier record. Removed chains are counted per
corpus, as identical (same sequence as the kept copy) or near-identical.
"""
from __future__ import annotations

import time

import numpy as np

from . import align, mmseqs
from .filter import resolve_method
from .hits import check_fraction, check_threads

SMALL_PAIRS = 5_000      # "auto" aligns up to this many pairs with Biopython (seconds) instead of starting MMseqs2

RULE = ("one copy per group of identical / near-identical chains: 8-state labels beat 3-state-only, "
        "then the corpus listed first (data.train order; SRC order in `seqgsn data stats`), then the earlier record")
RULE_ORDER = ("one copy per group of identical / near-identical chains: the corpus listed first (data.train "
              "order), then the earlier record, whatever labels the copies have")


def _rank(r, ci: int, pi: int, prefer: str = "8-state") -> tuple:
    return (0 if r.ss8 is not None or prefer == "order" else 1, ci, pi)


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def join(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def near_pairs(seqs: list[str], identity: float, coverage: float, method: str = "auto",
               threads: int = 2, workdir=None, *, max_pairs: int = align.DEFAULT_MAX_PAIRS):
    """``(method used, [(i, j), ...])``: pairs of positions i < j that are near-identical.

    ``method`` "mmseqs", "align" (Biopython, refused above ``max_pairs`` pairs) or "auto"
    ("align" for at most ``SMALL_PAIRS`` pairs, else MMseqs2 when installed).
    """
    n = len(seqs)
    if method == "auto" and n * (n - 1) // 2 <= SMALL_PAIRS:
        method = "align"
    method = resolve_method(method, n * (n - 1) // 2, max_pairs,
                            f"finding near-identical pairs among {n:,} sequences (`data.dedupe: identical` "
                            f"or `--identical-only` skips this)")
    if n < 2:
        return method, []
    if method == "mmseqs":
        hits = mmseqs.self_search(seqs, identity=identity, coverage=coverage, threads=threads,
                                  workdir=workdir)
    else:
        hits = align.self_search(seqs, identity=identity, coverage=coverage)
    pairs = {(min(h.qi, h.ti), max(h.qi, h.ti)) for h in hits
             if h.qi != h.ti and h.identity >= identity and min(h.qcov, h.tcov) >= coverage}
    return method, sorted(pairs)


def _agreement(kept, other) -> tuple[int, int]:
    """(compared, differing) label positions of two equal sequences: 8-state if both, else 3-state."""
    for name in ("ss8", "ss3"):
        a, b = getattr(kept, name), getattr(other, name)
        if a is not None and b is not None:
            both = kept.eval_mask() & other.eval_mask()
            diff = np.frombuffer(a.encode(), np.uint8) != np.frombuffer(b.encode(), np.uint8)
            return int(both.sum()), int((diff & both).sum())
    return 0, 0


def merge_twins(corpora, names=None, **kwargs):
    """``(kept, report)``: ``kept[k]`` is corpus k's surviving records (input order).

    Arguments as for :func:`twin_plan`, which this applies.
    """
    corpora = [list(c) for c in corpora]
    keep, report = twin_plan(corpora, names, **kwargs)
    return [[c[i] for i in k] for c, k in zip(corpora, keep)], report


def twin_plan(corpora, names=None, *, identity: float = 0.95, coverage: float = 0.9,
              near: bool = True, method: str = "auto", threads: int = 2, workdir=None,
              max_pairs: int = align.DEFAULT_MAX_PAIRS, prefer: str = "8-state"):
    """``(keep, report)``: ``keep[k]`` lists the positions of corpus k's surviving records.

    ``prefer``: "8-state" (``RULE``) or "order" (``RULE_ORDER``: a 3-state-only chain listed first
    keeps its own labels over an 8-state twin listed later).

    ``corpora``: list of record lists, in trust order (see the module docstring);
    ``names``: one label per corpus for the report (default ``corpus1``...).
    ``report`` (JSON-able): ``rule, identity, coverage, near, method, input, kept,
    identical_removed, near_identical_removed, identical_label_agreement``
    (``compared`` / ``differing`` label positions between each identical removed
    chain and the kept copy), ``corpora`` (per corpus: ``entry, chains, kept,
    identical_removed, near_identical_removed, removed_for`` = {name of the
    corpus whose copy was kept: count}), ``seconds``.
    """
    t0 = time.perf_counter()
    identity = check_fraction("dedupe identity", identity)
    coverage = check_fraction("dedupe coverage", coverage)
    threads = check_threads(threads)
    corpora = [list(c) for c in corpora]
    names = list(names) if names is not None else [f"corpus{k + 1}" for k in range(len(corpora))]
    flat = [(ci, pi, r) for ci, c in enumerate(corpora) for pi, r in enumerate(c)]
    n = len(flat)
    uf = _Union(n)
    first_of: dict[str, int] = {}
    for i, (_, _, r) in enumerate(flat):
        key = r.seq.upper()
        if key in first_of:
            uf.join(first_of[key], i)
        else:
            first_of[key] = i
    used = "exact"
    if near and len(first_of) > 1:
        reps = list(first_of.values())
        used, pairs = near_pairs([flat[i][2].seq.upper() for i in reps], identity, coverage, method,
                                 threads, workdir, max_pairs=max_pairs)
        for a, b in pairs:
            uf.join(reps[a], reps[b])
    winner: dict[int, int] = {}
    for i, (ci, pi, r) in enumerate(flat):
        root = uf.find(i)
        w = winner.get(root)
        if w is None or _rank(r, ci, pi, prefer) < _rank(flat[w][2], flat[w][0], flat[w][1], prefer):
            winner[root] = i
    per = [{"entry": names[k], "chains": len(c), "kept": 0, "identical_removed": 0,
            "near_identical_removed": 0, "removed_for": {}} for k, c in enumerate(corpora)]
    keep: list[list] = [[] for _ in corpora]
    compared = differing = 0
    for i, (ci, pi, r) in enumerate(flat):
        w = winner[uf.find(i)]
        if w == i:
            keep[ci].append(pi)
            per[ci]["kept"] += 1
            continue
        wr = flat[w][2]
        if wr.seq.upper() == r.seq.upper():
            per[ci]["identical_removed"] += 1
            c, d = _agreement(wr, r)
            compared, differing = compared + c, differing + d
        else:
            per[ci]["near_identical_removed"] += 1
        by = per[ci]["removed_for"]
        by[names[flat[w][0]]] = by.get(names[flat[w][0]], 0) + 1
    report = {"rule": RULE if prefer == "8-state" else RULE_ORDER, "identity": identity, "coverage": coverage, "near": bool(near),
              "method": used, "input": n, "kept": sum(p["kept"] for p in per),
              "identical_removed": sum(p["identical_removed"] for p in per),
              "near_identical_removed": sum(p["near_identical_removed"] for p in per),
              "identical_label_agreement": {"compared": compared, "differing": differing},
              "corpora": per, "seconds": round(time.perf_counter() - t0, 1)}
    return keep, report
