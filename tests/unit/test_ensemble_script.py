"""scripts/ensemble_q8.py: the ensemble is the mean of the models' prob8, decoded like one model."""
import importlib.util
from pathlib import Path

import numpy as np

from seqgsn.records import Prediction

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("ensemble_q8", REPO / "scripts" / "ensemble_q8.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_average_is_the_mean_of_prob8_and_its_argmax():
    a = np.zeros((3, 8), np.float32)
    b = np.zeros((3, 8), np.float32)
    a[:, 0], a[:, 3] = [0.6, 0.1, 0.45], [0.4, 0.9, 0.55]     # model A: H E E
    b[:, 0], b[:, 7] = [0.6, 0.9, 0.0], [0.4, 0.1, 1.0]       # model B: H H C
    pa = [Prediction("x", "MKV", "HEE", a)]
    pb = [Prediction("x", "MKV", "HHC", b)]
    (e,) = _script().average([pa, pb])
    assert np.allclose(e.prob8, (a + b) / 2) and e.prob8.dtype == np.float32
    assert e.ss8 == "HHC"                   # H 0.6; H 0.5 > E 0.45; C 0.5 > E 0.275
    assert e.ss3 == "HHC" and e.id == "x" and e.seq == "MKV"


def test_average_of_one_model_with_itself_changes_nothing(tiny_model_file):
    import seqgsn
    recs = [seqgsn.Record("a", "MKTAYIAKQRQISFVKSHFSRQ"), seqgsn.Record("b", "GSHMLEDPV")]
    preds = seqgsn.load_model(tiny_model_file).predict(recs)
    for p, e in zip(preds, _script().average([preds, preds])):
        assert np.array_equal(p.prob8, e.prob8) and p.ss8 == e.ss8


def test_one_model_is_a_usage_error(tiny_model_file, capsys):
    import pytest
    with pytest.raises(SystemExit) as e:
        _script().main(["--data", str(REPO / "data" / "examples" / "toy_test.txt"), str(tiny_model_file)])
    assert e.value.code == 2 and "needs two or more model files, got 1" in capsys.readouterr().err


def test_a_missing_data_file_is_one_line(tiny_model_file, capsys):
    import pytest
    with pytest.raises(SystemExit) as e:
        _script().main(["--data", "/nonexistent.csv", str(tiny_model_file), str(tiny_model_file)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.endswith(": error: /nonexistent.csv: no such file or folder\n")
    assert len(err.splitlines()) == 1
