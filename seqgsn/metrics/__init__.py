"""Metrics for secondary structure predictions (numpy / scikit-learn only, no file I/O).

* :mod:`.residue`     accuracy (Q8/Q3), confusion matrix, per-class precision/recall/F1
* :mod:`.sov`         segments and SOV'99
* :mod:`.calibration` ECE, multi-class Brier, reliability bins
* :mod:`.wasserstein` W1 distance between two 1-D samples
* :mod:`.generative`  sampler diagnostics: autocorrelation, ESS, majority vote, agreement
* :mod:`.evaluation`  :func:`evaluate` (all of the above for lists of records)
* :mod:`.report`      :func:`format_report` (terminal text)
"""
from .calibration import brier, expected_calibration_error, reliability_bins
from .evaluation import evaluate
from .generative import agreement, autocorrelation, effective_sample_size, majority_vote
from .report import format_report
from .residue import accuracy, confusion_matrix, per_class_scores
from .sov import segment_bounds, segments, sov99, sov99_terms
from .wasserstein import wasserstein1

__all__ = ["evaluate", "format_report", "accuracy", "confusion_matrix", "per_class_scores",
           "sov99", "sov99_terms", "segments", "segment_bounds", "wasserstein1",
           "expected_calibration_error", "brier", "reliability_bins", "autocorrelation",
           "effective_sample_size", "majority_vote", "agreement"]
