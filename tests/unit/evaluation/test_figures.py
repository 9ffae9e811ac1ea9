"""Figures and the HTML report: files are written and valid (PNG / SVG / PDF / HTML), long records wrap,
a missing matplotlib is a clear error. No pixels are compared."""
from __future__ import annotations

import base64
import json
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.errors import InvalidFileError, LabelMismatchError, SeqGSNError, ToolNotFoundError

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


def _metrics() -> dict:
    """A real ``evaluate`` dict on random chains, plus generative, chain and clamping parts."""
    from seqgsn.evaluation import evaluate
    from seqgsn.records import LabeledRecord, Prediction
    rng = np.random.default_rng(0)
    refs, preds = [], []
    for k, n in enumerate([30, 55, 80, 120, 40, 66, 90, 35, 150, 45, 70, 20]):
        truth = "".join(rng.choice(list(SS8), n))
        prob = rng.dirichlet(np.ones(8), size=n)
        refs.append(LabeledRecord(f"c{k}", "A" * n, ss8=truth))
        preds.append(Prediction(f"c{k}", "A" * n, "".join(SS8[i] for i in prob.argmax(1)), prob))
    m = evaluate(refs, preds)
    m.update(model="model.pt", data="toy.csv", decode="argmax", max_chains=None, predict_seconds=1.5,
             chain={"steps": 4, "burn_in": 1, "noise": True, "seed": 0})
    hist = list(rng.integers(0, 50, 30))
    m["generative"] = {
        "samples": {"n_samples": 5, "n_chains": 12, "diversity": {"pooled": 0.4},
                    "majority_agreement": {"argmax": 0.8},
                    "segments": {c: {"truth": {"hist": hist}, "argmax": {"hist": hist[::-1]},
                                     "samples": {"hist": [h / 2 for h in hist]}} for c in "HE"}},
        "chain": {"n_chains": 12, "steps": [1, 2, 3, 4],
                  "q8_avg": {"0": [0.5, 0.52, 0.53, 0.54], "1": [None, 0.5, 0.52, 0.53]},
                  "q8_step": [0.5, 0.49, 0.5, 0.48]}}
    m["clamping"] = {"rows": [{"mode": mode, "fraction": f, "q8_gain": g, "q8_gain_ci95": [g - 0.01, g + 0.01]}
                              for mode in ("random", "segments")
                              for f, g in ((0.1, 0.01), (0.25, 0.03), (0.5, 0.06))]}
    return m


def test_evaluation_figures_are_valid_png(mpl, tmp_path):
    from seqgsn.evaluation.figures import save_figure
    from seqgsn.evaluation.html_report import figures_from_metrics
    names = []
    for name, caption, fig in figures_from_metrics(_metrics()):
        names.append(name)
        assert caption and "\n" not in caption
        assert save_figure(fig, tmp_path / f"{len(names)}.png", dpi=40).read_bytes().startswith(PNG)
    assert names == ["Confusion", "Reliability", "Per class", "Per chain", "Segment lengths", "Chain steps",
                     "Clamping"]


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.ids, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.srcs.append(a.get("src", ""))
        if "id" in a:
            self.ids.append(a["id"])
        if tag in ("link", "script") or (tag == "a" and "href" in a):
            self.links.append(tag)


def test_html_report_is_self_contained(mpl, tmp_path):
    from seqgsn.evaluation.html_report import write_report
    out = write_report(_metrics(), tmp_path / "rep", dpi=40)
    assert out == tmp_path / "rep" / "report.html"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    p = _Images()
    p.feed(page)
    assert {"setup", "summary", "confusion", "reliability", "per-class", "per-chain", "segment-lengths",
            "chain-steps", "clamping"} <= set(p.ids)
    assert len(p.srcs) == 7 and not p.links
    for src in p.srcs:
        head, b64 = src.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(b64).startswith(PNG)
    for text in ("Q8 (per residue / chain mean)", "toy.csv", "model.pt"):
        assert text in page


def test_html_report_without_optional_parts(mpl, tmp_path):
    from seqgsn.evaluation.html_report import write_report
    m = _metrics()
    for k in ("generative", "clamping", "calibration"):
        del m[k]
    page = write_report(m, tmp_path / "r.html", dpi=40).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 4          # confusion, per class, per chain, segments
    assert "clamping" not in page.lower()


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
    from seqgsn.evaluation import figures, html_report, report_figures
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    calls = [lambda: figures.prediction_figure(pred_record(10)),
             lambda: figures.samples_figure(sample_record(10)),
             lambda: report_figures.confusion_figure(np.eye(8)),
             lambda: html_report.write_report({}, tmp_path / "r")]
    for call in calls:
        with pytest.raises(ToolNotFoundError, match=r"pip install 'seqgsn\[plot\]'"):
            call()
    assert not (tmp_path / "r").exists()
