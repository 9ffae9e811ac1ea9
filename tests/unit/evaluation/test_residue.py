import math

import numpy as np
import pytest

from seqgsn.errors import LabelMismatchError
from seqgsn.evaluation import accuracy, confusion_matrix, per_class_scores


def test_accuracy_strings_and_arrays():
    assert accuracy("HHEC", "HHCC") == 0.75
    assert accuracy(np.array([0, 1, 2]), np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert math.isnan(accuracy("", ""))
    with pytest.raises(LabelMismatchError):
        accuracy("HH", "H")


def test_confusion_rows_are_truth():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_per_class_keeps_absent_classes():
    s = per_class_scores(np.array([0, 0, 2]), np.array([0, 2, 2]), "HEC")
    assert list(s) == ["H", "E", "C"]
    assert s["H"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert s["E"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert s["C"]["precision"] == 0.5 and s["C"]["recall"] == 1.0
    empty = per_class_scores(np.zeros(0, int), np.zeros(0, int), "HEC")
    assert all(v == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
               for v in empty.values())
