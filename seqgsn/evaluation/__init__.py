"""Evaluation: metrics of predictions against references, and the generative experiments.

Metrics (numpy / scikit-learn only, no file I/O):

* :mod:`.residue`      accuracy (Q8/Q3), confusion matrix, per-class precision/recall/F1
* :mod:`.sov`          SOV'99
* :mod:`.calibration`  ECE, multi-class Brier, reliability bins
* :mod:`.sample_stats` sampler diagnostics: autocorrelation, ESS, agreement
* :mod:`.scores`       :func:`evaluate` (all of the above for lists of records)
* :mod:`.report`       :func:`format_report` (terminal text)
* segments, W1 distance, majority vote and ECE are defined in :mod:`seqgsn.chain.label_stats`
  (the chain's fits use them) and re-exported here.

Experiments on a trained chain (clamping, sampling, chain diagnostics, calibration):
:mod:`.experiments`, :mod:`.chain_experiments`, their text in :mod:`.experiment_report`.

Pictures (matplotlib, the ``plot`` extra; imported only when drawn): per-record cartoons and sample
rasters in :mod:`.figures`, evaluation and training figures in :mod:`.report_figures`, the
self-contained HTML page in :mod:`.html_report`.
"""
from ..chain.label_stats import expected_calibration_error, majority_vote, segment_bounds, segments, wasserstein1
from .calibration import brier, reliability_bins
from .report import format_report
from .residue import accuracy, confusion_matrix, per_class_scores
from .sample_stats import agreement, autocorrelation, effective_sample_size
from .scores import evaluate
from .sov import sov99, sov99_terms

__all__ = ["evaluate", "format_report", "accuracy", "confusion_matrix", "per_class_scores",
           "sov99", "sov99_terms", "segments", "segment_bounds", "wasserstein1",
           "expected_calibration_error", "brier", "reliability_bins", "autocorrelation",
           "effective_sample_size", "majority_vote", "agreement"]
