"""Per-record figures: files are written and valid (PNG / SVG / PDF), long records wrap, clamps are marked,
a missing matplotlib is a clear error. No pixels are compared."""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.errors import LabelMismatchError, SeqGSNError, ToolNotFoundError

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def pred_record(length: int, *, seed: int = 0, clamped: bool = False) -> dict:
    """A record shaped like ``predict --format jsonl`` output, with random probabilities."""
    rng = np.random.default_rng(seed)
    prob = rng.dirichlet(np.full(8, 0.4), size=length)
    ss8 = "".join(SS8[i] for i in prob.argmax(1))
    seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), length))
    rec = {"id": f"chain{length}", "description": "a test chain", "sequence": seq, "ss8": ss8, "ss3": ss8,
           "prob8": np.round(prob, 4).tolist()}
    if clamped:
        rec["clamped"] = "".join(c if i % 7 == 0 else "-" for i, c in enumerate(ss8))
    return rec


def sample_record(length: int, n: int = 6, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    return {"id": "s1", "sequence": "A" * length,
            "samples": ["".join(rng.choice(list(SS8), length)) for _ in range(n)]}


def rows_of(fig, name: str) -> int:
    return sum(ax.get_label().startswith(name + " ") for ax in fig.axes)


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_prediction_figure_is_written_in_each_format(mpl, tmp_path, ext):
    from seqgsn.evaluation.figures import prediction_figure, save_figure
    out = save_figure(prediction_figure(pred_record(60, clamped=True)), tmp_path / f"p.{ext}", dpi=40)
    data = out.read_bytes()
    assert data
    if ext == "png":
        assert data.startswith(PNG)
    elif ext == "svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF-")


def test_long_record_wraps_into_rows(mpl):
    from seqgsn.evaluation.figures import prediction_figure, samples_figure
    fig = prediction_figure(pred_record(700), per_row=100)
    assert rows_of(fig, "cartoon") == rows_of(fig, "prob") == 7
    assert rows_of(prediction_figure(pred_record(301), per_row=150), "cartoon") == 3
    assert rows_of(prediction_figure(pred_record(76)), "cartoon") == 1
    assert rows_of(samples_figure(sample_record(250), per_row=100), "raster") == 3


def test_clamped_positions_are_marked(mpl):
    from seqgsn.evaluation.figures import prediction_figure
    rec = pred_record(40, clamped=True)
    fig = prediction_figure(rec)
    cart = next(ax for ax in fig.axes if ax.get_label() == "cartoon 1")
    marks = sum(len(c.get_offsets()) for c in cart.collections)
    assert marks == sum(c != "-" for c in rec["clamped"])
    assert any("clamped" in t.get_text() for leg in fig.legends for t in leg.get_texts())


def test_prediction_without_probabilities_still_draws(mpl, tmp_path):
    from seqgsn.evaluation.figures import prediction_figure, save_figure
    rec = pred_record(30)
    del rec["prob8"]
    fig = prediction_figure(rec)
    assert rows_of(fig, "prob") == 0
    assert save_figure(fig, tmp_path / "p.png", dpi=40).read_bytes().startswith(PNG)


def test_samples_raster_is_written(mpl, tmp_path):
    from seqgsn.evaluation.figures import consensus, samples_figure, save_figure
    rec = sample_record(80)
    out = save_figure(samples_figure(rec), tmp_path / "s.svg", dpi=40)
    assert ET.parse(out).getroot().tag.endswith("svg")
    cons, agree = consensus(["HHE", "HCE", "CCE"])
    assert cons == "HCE" and np.allclose(agree, [2 / 3, 2 / 3, 1])


def test_bad_records_and_formats_are_clear_errors(mpl, tmp_path):
    from seqgsn.evaluation.figures import prediction_figure, samples_figure, save_figure
    rec = pred_record(20)
    with pytest.raises(LabelMismatchError, match="ss8 has length 19"):
        prediction_figure({**rec, "ss8": rec["ss8"][:-1]})
    with pytest.raises(LabelMismatchError, match="lacks samples"):
        samples_figure(rec)
    with pytest.raises(SeqGSNError, match="png, svg, pdf"):
        save_figure(prediction_figure(rec), tmp_path / "p.jpg")
    assert not (tmp_path / "p.jpg").exists()


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    from seqgsn.evaluation import figures
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    for call in (lambda: figures.prediction_figure(pred_record(10)),
                 lambda: figures.samples_figure(sample_record(10))):
        with pytest.raises(ToolNotFoundError, match=r"pip install 'seqgsn\[plot\]'"):
            call()
