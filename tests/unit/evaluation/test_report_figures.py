"""Evaluation and training figures from plain numbers: each is a valid PNG; learning curves from a run."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from seqgsn.errors import InvalidFileError, ToolNotFoundError

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def png(fig, path) -> bool:
    from seqgsn.evaluation.figures import save_figure
    return save_figure(fig, path, dpi=40).read_bytes().startswith(PNG)


def test_each_evaluation_figure_is_a_valid_png(mpl, tmp_path):
    from seqgsn.evaluation import report_figures as rf
    rng = np.random.default_rng(0)
    conf = rng.integers(0, 100, (8, 8))
    conf[2] = 0                                           # a class with no true residue
    bins = 15
    acc = [None] * 3 + list(np.linspace(0.2, 0.95, bins - 3))
    figs = {
        "confusion": rf.confusion_figure(conf),
        "reliability": rf.reliability_figure([None] * 3 + list(np.linspace(0.25, 0.97, bins - 3)), acc,
                                             [0] * 3 + [100] * (bins - 3), ece=0.02),
        "per_class": rf.per_class_figure("HGIEBTSC", rng.random(8), rng.random(8), rng.integers(1, 999, 8)),
        "chains": rf.chain_accuracy_figure(rng.integers(20, 700, 60), list(rng.random(59)) + [None],
                                           pooled=0.55),
        "segments": rf.segment_lengths_figure({c: {"truth": rng.integers(0, 50, 30), "samples": rng.random(30) * 40,
                                                   "argmax": rng.integers(0, 50, 30)} for c in "HE"}),
        "steps": rf.chain_steps_figure([1, 2, 3], {"averaged": [0.5, 0.52, 0.53], "step": [None, 0.5, 0.49]}),
        "clamping": rf.clamping_figure({"random": {"fraction": [0.1, 0.5], "gain": [0.01, 0.05],
                                                   "lo": [0.0, 0.04], "hi": [0.02, 0.06]},
                                        "segments": {"fraction": [0.1, 0.5], "gain": [0.005, None]}}),
    }
    for name, fig in figs.items():
        assert png(fig, tmp_path / f"{name}.png"), name
    with pytest.raises(ValueError, match="8 x 8"):
        rf.confusion_figure(np.eye(3))


def test_learning_curves_from_a_run_directory(mpl, tmp_path):
    from seqgsn.evaluation.report_figures import write_learning_curves
    rows = [{"epoch": e, "global_step": 10 * e, "train_loss": 2.0 / e, "val_q8": 0.3 + 0.02 * e,
             "val_q3": 0.5 + 0.02 * e, "minutes": 0.1 * e} for e in range(1, 6)]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = write_learning_curves(tmp_path)
    assert out == tmp_path / "learning_curves.png" and out.read_bytes().startswith(PNG)
    (tmp_path / "metrics.jsonl").write_text(json.dumps(rows[0]) + "\n{oops\n")
    with pytest.raises(InvalidFileError, match="line 2"):
        write_learning_curves(tmp_path)
    with pytest.raises(InvalidFileError, match="metrics.jsonl"):
        write_learning_curves(tmp_path / "nothere")



def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    from seqgsn.evaluation.report_figures import confusion_figure, write_learning_curves
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "train_loss": 1.0}) + "\n")
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    for call in (lambda: confusion_figure(np.eye(8)), lambda: write_learning_curves(tmp_path)):
        with pytest.raises(ToolNotFoundError, match=r"pip install 'seqgsn\[plot\]'"):
            call()
    assert not (tmp_path / "learning_curves.png").exists()
