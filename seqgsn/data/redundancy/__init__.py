"""Redundancy control for training corpora: test-set filtering, deduplication, clustering.

* :func:`filter_against` removes training chains homologous to any test chain
  (identity >= t with coverage >= c of either chain), via MMseqs2 or a Biopython
  fallback for small sets.
* :func:`dedupe` collapses identical sequences and reports label conflicts.
* :func:`merge_twins` keeps one copy of identical and near-identical chains across
  several corpora (8-state labels first, then corpus order), before a split.
* :func:`cluster` / :func:`split_by_cluster` make train/validation splits in
  which no cluster straddles both sides.

All functions take and return lists of :class:`seqgsn.records.LabeledRecord`
(labels optional) and never parse command lines.
"""
from .dedupe import dedupe
from .filter import FilterResult, filter_against
from .hits import Hit
from .mmseqs import MMseqsError, find_mmseqs
from .split import cluster, cluster_indices, split_by_cluster
from .twins import merge_twins, twin_plan

__all__ = ["filter_against", "FilterResult", "dedupe", "cluster", "cluster_indices", "split_by_cluster", "Hit",
           "MMseqsError", "find_mmseqs", "merge_twins", "twin_plan"]
