"""Per-residue scores: accuracy (Q8/Q3), confusion matrix, per-class precision/recall/F1.

Labels are integer class indices (``SS8 = HGIEBTSC`` -> 0..7, ``SS3 = HEC`` -> 0..2,
see :mod:`seqgsn.alphabet`) or, for :func:`accuracy`, equal-length strings.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from ..errors import LabelMismatchError


def _as_array(y) -> np.ndarray:
    if isinstance(y, str):
        return np.frombuffer(y.encode("utf-32-le"), dtype="<u4")
    return np.asarray(y).ravel()


def accuracy(y_true, y_pred) -> float:
    """Fraction of positions where ``y_pred == y_true`` (Q8 / Q3 for 8 / 3-state labels).

    Accepts two strings or two integer arrays of the same length; ``nan`` when empty.
    """
    t, p = _as_array(y_true), _as_array(y_pred)
    if t.shape != p.shape:
        raise LabelMismatchError(f"accuracy: {t.size} true labels vs {p.size} predicted")
    return float(np.mean(t == p)) if t.size else float("nan")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """int64 [K, K] counts; rows = truth, columns = prediction (class index order)."""
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_scores(y_true: np.ndarray, y_pred: np.ndarray, classes: str) -> dict:
    """``{class: {precision, recall, f1, support}}`` for every letter of ``classes``.

    Uses :func:`sklearn.metrics.precision_recall_fscore_support` with ``labels`` fixed to
    ``0..K-1`` so a class absent from both truth and prediction still appears (all zeros,
    ``zero_division=0``). Empty input gives zeros everywhere.
    """
    k = len(classes)
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    if t.size == 0:
        prec = rec = f1 = np.zeros(k)
        sup = np.zeros(k, dtype=np.int64)
    else:
        prec, rec, f1, sup = precision_recall_fscore_support(
            t, p, labels=list(range(k)), zero_division=0)
    return {c: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]),
                "support": int(sup[i])} for i, c in enumerate(classes)}
