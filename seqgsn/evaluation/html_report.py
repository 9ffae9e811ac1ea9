"""One self-contained HTML page (figures embedded as base64 PNG) from ``seqgsn evaluate``'s metrics dict."""
from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from .figures import figure_bytes, require_matplotlib
from .report_figures import (chain_accuracy_figure, chain_steps_figure, clamping_figure, confusion_figure,
                             per_class_figure, reliability_figure, segment_lengths_figure)

SS8_DEFAULT = "HGIEBTSC"


def _pct(x, digits: int = 2) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def _num(x, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _segment_sources(m: dict) -> Tuple[dict, str]:
    """Segment-length histograms per class and source, and the caption's note on their units."""
    samples = ((m.get("generative") or {}).get("samples") or {}).get("segments")
    if samples:
        out = {cls: {"truth": s["truth"]["hist"], "argmax": s["argmax"]["hist"],
                     "samples": s["samples"]["hist"]} for cls, s in samples.items()}
        n = m["generative"]["samples"].get("n_samples")
        return out, (f"samples: mean over the {n} sampled labellings of the set; "
                     f"{m['generative']['samples'].get('n_chains')} chains")
    seg = m.get("segments") or {}
    return {cls: {"truth": s["truth"], "argmax": s["pred"]} for cls, s in seg.items()}, "all evaluated chains"


def figures_from_metrics(m: dict) -> Iterator[Tuple[str, str, object]]:
    """``(title, one-line caption, Figure)`` for every figure the metrics allow, in report order."""
    labels = m.get("labels8", SS8_DEFAULT)
    if m.get("n_residues8"):
        yield ("Confusion", "Row-normalised 8-state confusion: each row (true class) sums to 100%; the "
               "diagonal is the recall; right: true residues per class.",
               confusion_figure(m["confusion8"], labels))
    elif m.get("n_residues") and m.get("confusion3"):       # a corpus with 3-state labels only
        yield ("Confusion", "Row-normalised 3-state confusion (the corpus has no 8-state labels).",
               confusion_figure(m["confusion3"], m.get("labels3", "HEC"),
                                title="3-state confusion (rows = truth, % of row)"))
    cal = m.get("calibration")
    if cal and sum(x["count"] for x in cal.get("reliability") or []):
        b = cal["reliability"]
        edges = [x["lower"] for x in b] + [b[-1]["upper"]]
        yield ("Reliability", f"Accuracy of the predicted class against its probability in {cal['n_bins']} "
               "confidence bins; bars under the diagonal are over-confident.",
               reliability_figure([x["confidence"] for x in b], [x["accuracy"] for x in b],
                                  [x["count"] for x in b], edges=edges, ece=cal.get("ece8")))
    pc = (m.get("per_class") or {}).get("ss8")
    if pc and m.get("n_residues8"):
        yield ("Per class", "Precision (of residues predicted as the class, share correct) and recall (of "
               "true residues, share found) per 8-state class.",
               per_class_figure(labels, [pc[c]["precision"] for c in labels],
                                [pc[c]["recall"] for c in labels], [pc[c]["support"] for c in labels]))
    chains = [c for c in m.get("per_chain") or [] if c.get("q8") is not None]
    if chains:
        full = all(c.get("length") for c in chains)     # older metrics: evaluated residues only
        yield ("Per chain", "Each dot is one chain: its Q8 against its length; short chains scatter most.",
               chain_accuracy_figure([c["length"] if full else c["n_residues8"] for c in chains],
                                     [c["q8"] for c in chains], pooled=m.get("q8"),
                                     xlabel="chain length (residues)" if full else None))
    seg, note = _segment_sources(m)
    if seg:
        yield ("Segment lengths", f"Lengths of 3-state helix and strand segments, truth against predictions "
               f"({note}).", segment_lengths_figure(seg))
    ch = (m.get("generative") or {}).get("chain")
    if ch:
        curves = {"averaged, burn-in 0": ch["q8_avg"]["0"], "averaged, burn-in 1": ch["q8_avg"]["1"],
                  "single step": ch["q8_step"]}
        yield ("Chain steps", "Q8 of the chain's averaged marginals (= predict with that many steps) and "
               f"of each step alone, on {ch['n_chains']} chains.", chain_steps_figure(ch["steps"], curves))
    rows = (m.get("clamping") or {}).get("rows")
    if rows:
        series = {}
        for r in rows:
            s = series.setdefault(r["mode"], {"fraction": [], "gain": [], "lo": [], "hi": []})
            ci = r.get("q8_gain_ci95") or [None, None]
            s["fraction"].append(r["fraction"])
            s["gain"].append(r["q8_gain"])
            s["lo"].append(ci[0])
            s["hi"].append(ci[1])
        yield ("Clamping", "Q8 gain on the unclamped residues when a fraction of true labels is given "
               "(random positions or contiguous segments), against the same residues unclamped.",
               clamping_figure(series))


def _summary_rows(m: dict) -> List[Tuple[str, str]]:
    # segment decoding has no 3-state probabilities: its Q3 is not the one of a default run
    q3 = "Q3, 8->3 map of the segment decoding" if m.get("decode") == "segment" else "Q3"
    rows = [("Q8 (per residue / chain mean)", f"{_pct(m.get('q8'))} / {_pct(m.get('q8_chain_mean'))}"),
            (f"{q3} (per residue / chain mean)", f"{_pct(m.get('q3'))} / {_pct(m.get('q3_chain_mean'))}"),
            ("SOV3, SOV'99 (per residue / chain mean)",
             f"{_pct(m.get('sov3'))} / {_pct(m.get('sov3_chain_mean'))}")]
    cal = m.get("calibration")
    if cal:
        # fractions, as on stdout and in the JSON (docs/retraining.md: calibration errors are never %)
        rows.append(("ECE8 / ECE3", f"{_num(cal.get('ece8'))} / {_num(cal.get('ece3'))}"))
        rows.append(("Brier8 / Brier3", f"{_num(cal.get('brier8'))} / {_num(cal.get('brier3'))}"))
    samples = (m.get("generative") or {}).get("samples")
    if samples:
        rows.append(("Sample diversity / majority = argmax", f"{_pct(samples['diversity']['pooled'])} / "
                     f"{_pct(samples['majority_agreement']['argmax'])}"))
    return rows


def _model_name(path) -> str:
    """A model shipped inside the package as ``bundled: seqgsn/models/...``, any other as given."""
    if not path:
        return "n/a"
    pkg = Path(__file__).resolve().parents[1]
    try:
        return f"bundled: {pkg.name}/{Path(path).resolve().relative_to(pkg).as_posix()}"
    except ValueError:
        return str(path)


def _setup_rows(m: dict) -> List[Tuple[str, str]]:
    ch = m.get("chain") or {}
    rows = [("Model", _model_name(m.get("model"))), ("Data", str(m.get("data", "n/a"))),
            ("Chains", f"{m.get('n_chains', 0):,} evaluated ({m.get('n_chains8', 0):,} with 8-state labels)"
             + (f"; {m['n_chains_empty']:,} more {'has' if m['n_chains_empty'] == 1 else 'have'} no "
                "evaluated residue" if m.get("n_chains_empty") else "")
             + (f"; subset of {m['max_chains']:,}" if m.get("max_chains") else "")),
            ("Evaluated residues", f"{m.get('n_residues', 0):,} (8-state: {m.get('n_residues8', 0):,})")]
    if ch:
        rows.append(("Chain", f"{ch.get('steps')} steps, burn-in {ch.get('burn_in')}, noise "
                     f"{'on' if ch.get('noise') else 'off'}, seed {ch.get('seed')}; "
                     f"decode {m.get('decode', 'argmax')}"))
    if m.get("predict_seconds") is not None:
        rows.append(("Prediction time", f"{m['predict_seconds']:.1f} s"))
    return rows


def _grid(head: List[str], rows: List[List[str]]) -> str:
    """A table with a header row (decoders, models)."""
    return ("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>")


def _table_cards(m: dict) -> List[str]:
    """The JSON parts that are tables, not figures: the decoding comparison (``--decode segment``) and the
    model comparison (``--compare-model``)."""
    cards = []
    comp = (m.get("decoding") or {}).get("comparison")
    if comp:
        notes = {"argmax": "3-state from the summed probabilities (a plain run's numbers)",
                 "argmax_8to3": "3-state: 8->3 map of the argmax labels", "segment": "3-state: 8->3 map"}
        rows = [[name, _pct(d.get("q8")), _pct(d.get("q3")), _pct(d.get("sov3")),
                 _num(d.get("violations_per_100"), 2), notes.get(name, "")] for name, d in comp.items()]
        cards.append('<section class="card" id="decoding"><h2>Decoding</h2>' + _grid(
            ["decoder", "Q8", "Q3", "SOV3", "too-short segments / 100 res", ""], rows) + "</section>")
    cc = m.get("calibration_compare")
    if cc:
        rows = [[_model_name(name), _pct(d.get("q8")), _pct(d.get("q3")), _num(d.get("ece8")), _num(d.get("ece3")),
                 _num(d.get("brier8")), _num(d.get("nll8"))] for name, d in cc.get("models", {}).items()]
        cards.append('<section class="card" id="models"><h2>Models compared</h2>' + _grid(
            ["model", "Q8", "Q3", "ECE8", "ECE3", "Brier8", "NLL8 (nats)"], rows)
            + f"<p class=\"sub\">{cc.get('n_chains', 0):,} chains, seed {cc.get('seed')}</p></section>")
    return cards


def _table(rows: List[Tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                               for k, v in rows) + "</table>"


CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#222;margin:0;
  background:#f6f7f9}
main{max-width:1280px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:24px;margin:0 0 4px} .sub{color:#666;margin:0 0 18px;font-size:14px}
.head{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:14px 18px}
table{border-collapse:collapse;font-size:14px}
th{text-align:left;font-weight:600;color:#444;padding:4px 18px 4px 0;vertical-align:top;white-space:nowrap}
td{padding:4px 0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
h2{font-size:15px;margin:0 0 10px;color:#333}
.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:18px;margin-top:18px}
figure{margin:0} figure img{width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#555;margin-top:6px}
.wide{grid-column:1/-1} .wide img{max-width:1000px;margin:0 auto}
"""


def render_html(m: dict, figures: List[Tuple[str, str, bytes]], *, title: Optional[str] = None) -> str:
    """The page: setup and summary tables, then one card per ``(title, caption, png bytes)``."""
    from .. import __version__
    title = title or "seqgsn evaluation report"
    cards = []
    for name, caption, png in figures:
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        wide = " wide" if name == "Segment lengths" else ""
        cards.append(f'<section class="card{wide}" id="{html.escape(name.lower().replace(" ", "-"))}">'
                     f"<h2>{html.escape(name)}</h2><figure><img alt=\"{html.escape(name)}\" src=\"{src}\">"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure></section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{html.escape(title)}</h1><p class=\"sub\">seqgsn {html.escape(__version__)} · "
            f"{len(figures)} figures · percentages are per evaluated residue unless marked chain mean</p>"
            f"<div class=\"head\"><section class=\"card\" id=\"setup\"><h2>Setup</h2>{_table(_setup_rows(m))}"
            f"</section><section class=\"card\" id=\"summary\"><h2>Summary</h2>{_table(_summary_rows(m))}"
            f"</section>{''.join(_table_cards(m))}</div><div class=\"figs\">{''.join(cards)}</div>"
            "</main></body></html>\n")


def write_report(m: dict, out, *, title: Optional[str] = None, dpi: int = 110) -> Path:
    """Write the report for metrics ``m`` to ``out`` (a directory gets ``report.html``); returns its path."""
    from ..io.atomic import atomic_write
    require_matplotlib()
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        out.mkdir(parents=True, exist_ok=True)
        out = out / "report.html"
    figs = [(name, caption, figure_bytes(fig, "png", dpi=dpi))
            for name, caption, fig in figures_from_metrics(m)]
    page = render_html(m, figs, title=title)
    with atomic_write(out) as fh:
        fh.write(page)
    return out
