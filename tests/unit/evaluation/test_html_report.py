"""The HTML report from an ``evaluate`` dict: one self-contained page, a figure per computed part."""
from __future__ import annotations

import base64
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.errors import ToolNotFoundError

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


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


def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    from seqgsn.evaluation.html_report import write_report
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ToolNotFoundError, match=r"pip install 'seqgsn\[plot\]'"):
        write_report({}, tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_three_state_corpus_gets_a_three_state_confusion(mpl):
    from seqgsn.evaluation import evaluate
    from seqgsn.evaluation.html_report import figures_from_metrics
    from seqgsn.records import LabeledRecord, Prediction
    rng = np.random.default_rng(1)
    refs, preds = [], []
    for k, n in enumerate([30, 50]):
        prob = rng.dirichlet(np.ones(8), size=n)
        refs.append(LabeledRecord(f"c{k}", "A" * n, ss3="".join(rng.choice(list("HEC"), n))))
        preds.append(Prediction(f"c{k}", "A" * n, "".join(SS8[i] for i in prob.argmax(1)), prob))
    figs = {name: fig for name, _, fig in figures_from_metrics(evaluate(refs, preds))}
    assert list(figs) == ["Confusion", "Segment lengths"]            # nothing 8-state to draw
    assert figs["Confusion"].axes[0].get_title(loc="left").startswith("3-state")


def test_calibration_errors_are_fractions_as_on_stdout_and_in_json(mpl):
    # docs/retraining.md: ECE and Brier are fractions everywhere; the page said "2.23% / 2.96%"
    from seqgsn.evaluation import format_report
    from seqgsn.evaluation.html_report import _summary_rows, figures_from_metrics
    m = _metrics()
    m["calibration"].update(ece8=0.0223, ece3=0.0296)
    assert dict(_summary_rows(m))["ECE8 / ECE3"] == "0.0223 / 0.0296"
    assert "ECE8 0.0223  ECE3 0.0296" in format_report(m)                 # the same digits on stdout
    figs = {name: fig for name, _, fig in figures_from_metrics(m)}
    title = figs["Reliability"].axes[0].get_title(loc="left")
    assert title.endswith("ECE 0.0223") and "%" not in title


def test_setup_counts_the_empty_chains_apart(mpl):
    from seqgsn.evaluation.html_report import _setup_rows
    m = _metrics()
    m.update(n_chains=509, n_chains8=509, n_chains_empty=2)
    assert dict(_setup_rows(m))["Chains"] == "509 evaluated (509 with 8-state labels); 2 more have no evaluated residue"


def test_segment_decoding_q3_is_labelled(mpl):
    from seqgsn.evaluation.html_report import _summary_rows
    m = _metrics()
    assert "Q3 (per residue / chain mean)" in dict(_summary_rows(m))
    m["decode"] = "segment"
    assert "Q3, 8->3 map of the segment decoding (per residue / chain mean)" in dict(_summary_rows(m))


def test_decoding_and_model_comparisons_are_tables_on_the_page(mpl):
    # evaluate --help promises that the decoding and calibration_compare parts are drawn in report.html
    from seqgsn.evaluation.html_report import render_html
    m = _metrics()
    assert 'id="decoding"' not in render_html(m, []) and 'id="models"' not in render_html(m, [])
    m["decoding"] = {"method": "segment", "comparison": {
        "argmax": {"q8": 0.5612, "q3": 0.7118, "sov3": 0.66, "violations_per_100": 3.1},
        "segment": {"q8": 0.5650, "q3": 0.7001, "sov3": 0.665, "violations_per_100": 0.0}}}
    m["calibration_compare"] = {"n_chains": 12, "seed": 0, "models": {
        "a.pt": {"q8": 0.55, "q3": 0.70, "ece8": 0.0172, "ece3": 0.0043, "brier8": 0.6, "nll8": 1.2},
        "b.pt": {"q8": 0.54, "q3": 0.69, "ece8": 0.0301, "ece3": 0.0100, "brier8": 0.62, "nll8": 1.3}}}
    page = render_html(m, [])
    dec = page[page.index('id="decoding"'):page.index('id="models"')]
    assert "56.12%" in dec and "56.50%" in dec and "70.01%" in dec
    models = page[page.index('id="models"'):]
    assert "a.pt" in models and "b.pt" in models and "0.0301" in models and "12 chains" in models
