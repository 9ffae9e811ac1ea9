"""Clustering and cluster-aware train/validation splits.

``cluster`` groups chains whose alignment has identity >= ``identity`` and
covers >= ``coverage`` of BOTH chains (MMseqs2 ``easy-cluster --cov-mode 0``,
or the greedy Biopython fallback for small sets). ``split_by_cluster`` then
moves whole clusters, so no cluster has members on both sides.
"""
from __future__ import annotations

import numpy as np

from ...errors import ConfigError, InvalidFileError
from . import align, mmseqs
from .filter import resolve_method
from .hits import check_fraction, check_threads


def _unique_ids(records) -> None:
    seen = set()
    for r in records:
        if r.id in seen:
            raise InvalidFileError("duplicate record id: clustering maps ids to clusters, so "
                                   "ids must be unique (deduplicate or rename first)",
                                   file=r.source, record=r.id, line=r.line)
        seen.add(r.id)


def cluster_indices(records, identity: float = 0.3, coverage: float = 0.8,
                    method: str = "auto", threads: int = 2, workdir=None, *,
                    linear: bool = False, max_pairs: int = align.DEFAULT_MAX_PAIRS) -> list:
    """Representative position (into ``records``) for every record; ids need not be unique."""
    identity = check_fraction("identity", identity)
    coverage = check_fraction("coverage", coverage)
    threads = check_threads(threads)
    seqs = [r.seq for r in records]
    n = len(seqs)
    method = resolve_method(method, n * (n - 1) // 2, max_pairs, f"clustering {n:,} chains")
    if n == 0:
        return []
    if method == "mmseqs":
        return mmseqs.cluster(seqs, identity=identity, coverage=coverage, threads=threads,
                              workdir=workdir, linear=linear)
    return align.greedy_cluster(seqs, identity=identity, coverage=coverage)


def cluster(records, identity: float = 0.3, coverage: float = 0.8, method: str = "auto",
            threads: int = 2, workdir=None, *, linear: bool = False,
            max_pairs: int = align.DEFAULT_MAX_PAIRS) -> dict:
    """``{record id: cluster id}``; the cluster id is its representative's record id.

    method "mmseqs" (``easy-cluster``, or ``easy-linclust`` when ``linear``),
    "align" (greedy, longest first; refused above ``max_pairs`` = n*(n-1)/2
    pairs), or "auto". Record ids must be unique (InvalidFileError otherwise).
    """
    records = list(records)
    _unique_ids(records)
    rep = cluster_indices(records, identity, coverage, method, threads, workdir,
                          linear=linear, max_pairs=max_pairs)
    return {r.id: records[rep[i]].id for i, r in enumerate(records)}


def split_by_cluster(records, val_fraction: float = 0.05, seed: int = 0, identity: float = 0.3,
                     coverage: float = 0.8, *, method: str = "auto", threads: int = 2,
                     workdir=None, clusters: dict | None = None):
    """``(train, val)`` lists (input order) with every cluster wholly on one side.

    Target size ``t = round(val_fraction * n)`` chains (at least 1 when
    val_fraction > 0 and n > 1). Clusters, sorted by label, are shuffled with
    ``numpy.random.default_rng(seed)``; each is moved to val if it still fits
    (``len(val) + size <= t``). If none fits, the smallest cluster (first in
    shuffled order among equals) goes to val unless it is the whole set. Same
    records + seed + clusters give the same split.

    ``clusters`` skips clustering: a ``{id: cluster id}`` dict (from
    :func:`cluster`; ids must be unique) or a per-record label list (from
    :func:`cluster_indices`, which is what is used when it is None, so passing
    that list gives the identical split).
    """
    val_fraction = check_fraction("val_fraction", val_fraction, allow_one=False)
    records = list(records)
    if clusters is None:
        # By position, so records with repeated ids (e.g. from two corpora) still split.
        labels = cluster_indices(records, identity, coverage, method, threads, workdir)
    elif isinstance(clusters, dict):
        _unique_ids(records)
        missing = [r.id for r in records if r.id not in clusters]
        if missing:
            raise ConfigError(f"{len(missing)} record(s) have no cluster, e.g. {missing[0]!r}")
        labels = [clusters[r.id] for r in records]
    else:
        labels = list(clusters)
        if len(labels) != len(records):
            raise ConfigError(f"clusters has {len(labels)} labels for {len(records)} records")
    members: dict = {}
    for i, lab in enumerate(labels):
        members.setdefault(lab, []).append(i)
    n = len(records)
    target = round(val_fraction * n)
    if val_fraction > 0 and n > 1:
        target = max(target, 1)
    order = sorted(members, key=lambda c: (type(c).__name__, c))
    perm = np.random.default_rng(seed).permutation(len(order)).tolist()
    shuffled = [order[k] for k in perm]
    in_val: set[int] = set()
    for cid in shuffled:
        if len(in_val) >= target:
            break
        if len(in_val) + len(members[cid]) <= target:
            in_val.update(members[cid])
    if not in_val and target > 0:
        smallest = min(shuffled, key=lambda c: len(members[c]))  # first among equals
        if len(members[smallest]) < n:
            in_val.update(members[smallest])
    train = [r for i, r in enumerate(records) if i not in in_val]
    val = [r for i, r in enumerate(records) if i in in_val]
    return train, val
