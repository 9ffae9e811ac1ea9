"""Evaluation and training figures from plain numbers (lists / arrays), one detached Figure each."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from ..alphabet import SS8
from ..errors import InvalidFileError
from .figures import new_figure, save_figure

_INK = "#333333"
# Accuracies come in as fractions and are shown in percent, the units ``seqgsn evaluate`` prints;
# saving and the missing-matplotlib error are in .figures. One colour per compared source, everywhere:
SOURCE_COLORS = {"truth": "#222222", "argmax": "#d62728", "samples": "#2b7bba", "segment": "#2ca02c",
                 "majority": "#9467bd", "pred": "#d62728"}
_CYCLE = ["#d62728", "#2b7bba", "#2ca02c", "#9467bd", "#e0761b", "#8c564b"]


def _style(ax, *, grid: str = "y") -> None:
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    for s in ("left", "bottom"):
        ax.spines[s].set_color("#888888")
    ax.tick_params(labelsize=9, colors=_INK)
    if grid:
        ax.grid(axis=grid, color="#e5e5e5", lw=0.8)
        ax.set_axisbelow(True)


def _title(ax, text: str) -> None:
    ax.set_title(text, fontsize=11, loc="left", color=_INK, pad=10)


def confusion_figure(confusion, labels: str = SS8, *,
                     title: str = "8-state confusion (rows = truth, % of row)"):
    """Row-normalised confusion matrix (rows = truth, columns = prediction), each cell annotated
    with its percentage of the row; row totals on the right."""
    c = np.asarray(confusion, dtype=np.float64)
    k = len(labels)
    if c.shape != (k, k):
        raise ValueError(f"confusion must be {k} x {k} for labels {labels!r}, got {c.shape}")
    tot = c.sum(1, keepdims=True)
    frac = np.divide(c, tot, out=np.zeros_like(c), where=tot > 0)
    fig = new_figure(6.0, 5.6)
    ax = fig.add_axes((0.1, 0.1, 0.74, 0.78))
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    for i in range(k):
        for j in range(k):
            if tot[i, 0] == 0:
                continue
            v = 100 * frac[i, j]
            txt = f"{v:.0f}" if v >= 1 or v == 0 else "<1"
            ax.text(j, i, txt, ha="center", va="center", fontsize=9,
                    color="white" if frac[i, j] > 0.55 else _INK, fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(list(labels), fontsize=10)
    ax.set_yticklabels(list(labels), fontsize=10)
    ax.set_xlabel("predicted", fontsize=10, color=_INK)
    ax.set_ylabel("true", fontsize=10, color=_INK)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    for i in range(k):
        ax.text(k - 0.4, i, f"{int(tot[i, 0]):,}", ha="left", va="center", fontsize=8.5, color="#666666")
    ax.text(k - 0.4, -0.75, "residues", ha="left", va="center", fontsize=8.5, color="#666666")
    _title(ax, title)
    return fig


def reliability_figure(confidence, accuracy, count, *, edges=None, ece: Optional[float] = None,
                       title: str = "Reliability (8-state, max probability)"):
    """Reliability diagram: per confidence bin, the accuracy of the argmax (bars) against the
    diagonal of perfect calibration, with the bin's mean confidence marked; below, the share of
    residues per bin. ``None`` entries (empty bins) are skipped; ``edges`` (n_bins + 1) default
    to equal-width bins on [0, 1]."""
    conf = np.array([np.nan if v is None else v for v in confidence], dtype=np.float64)
    acc = np.array([np.nan if v is None else v for v in accuracy], dtype=np.float64)
    cnt = np.asarray(count, dtype=np.float64)
    n = len(conf)
    edges = np.linspace(0, 1, n + 1) if edges is None else np.asarray(edges, dtype=np.float64)
    lo, width = edges[:-1], np.diff(edges)
    ok = np.isfinite(acc) & (cnt > 0)
    fig = new_figure(6.0, 6.0)
    ax = fig.add_axes((0.13, 0.34, 0.82, 0.56))
    hx = fig.add_axes((0.13, 0.09, 0.82, 0.17), sharex=ax)
    ax.plot([0, 1], [0, 100], color="#999999", lw=1, ls=(0, (4, 3)), label="perfect calibration")
    few = cnt < max(20.0, 0.002 * cnt.sum())                # bins too small to trust: drawn pale
    ax.bar(lo[ok & ~few], 100 * acc[ok & ~few], width=width[ok & ~few], align="edge", color="#4a78b0",
           edgecolor="white", lw=0.8, label="accuracy in bin")
    if (ok & few).any():
        ax.bar(lo[ok & few], 100 * acc[ok & few], width=width[ok & few], align="edge", color="#4a78b0",
               alpha=0.3, edgecolor="white", lw=0.8, label="(pale: few residues)")
    sure = ok & ~few
    gap_lo, gap_hi = np.minimum(acc, conf)[sure], np.maximum(acc, conf)[sure]
    ax.bar(lo[sure], 100 * (gap_hi - gap_lo), bottom=100 * gap_lo, width=width[sure], align="edge",
           facecolor="none", edgecolor="#d62728", hatch="///", lw=0, label="gap to confidence")
    ax.scatter(conf[ok], 100 * conf[ok], s=14, color="#d62728", zorder=3, label="mean confidence")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy (%)", fontsize=10, color=_INK)
    ax.legend(loc="upper left", fontsize=8.5, frameon=True, facecolor="white", framealpha=0.85,
              edgecolor="none")
    _style(ax)
    ax.tick_params(labelbottom=False)
    share = 100 * cnt / max(cnt.sum(), 1)
    hx.bar(lo, share, width=width, align="edge", color="#bbbbbb", edgecolor="white", lw=0.8)
    hx.set_ylabel("% of\nresidues", fontsize=9, color=_INK)
    hx.set_xlabel("confidence (highest 8-state probability)", fontsize=10, color=_INK)
    _style(hx)
    _title(ax, title + ("" if ece is None else f"  ·  ECE {ece:.4f}"))     # a fraction, as in the JSON
    return fig


def per_class_figure(labels: str, precision, recall, support=None,
                     *, title: str = "Per-class precision and recall (8-state)"):
    """Grouped bars of precision and recall (fractions in, % shown) per class, with the class's
    number of true residues under its letter."""
    k = len(labels)
    p, r = 100 * np.asarray(precision, dtype=np.float64), 100 * np.asarray(recall, dtype=np.float64)
    fig = new_figure(7.2, 4.2)
    ax = fig.add_axes((0.1, 0.2, 0.87, 0.68))
    x = np.arange(k)
    ax.bar(x - 0.2, p, width=0.38, color="#4a78b0", label="precision")
    ax.bar(x + 0.2, r, width=0.38, color="#f0a640", label="recall")
    for xi, a, b in zip(x, p, r):
        ax.text(xi - 0.2, a + 1, f"{a:.0f}", ha="center", va="bottom", fontsize=8, color=_INK)
        ax.text(xi + 0.2, b + 1, f"{b:.0f}", ha="center", va="bottom", fontsize=8, color=_INK)
    ax.set_xticks(x)
    names = {"H": "α-helix", "G": "3₁₀", "I": "π", "E": "strand", "B": "bridge", "T": "turn", "S": "bend",
             "C": "coil"}
    ax.set_xticklabels([f"{c} {names.get(c, '')}".strip() + ("" if support is None else f"\n{int(s):,}")
                        for c, s in zip(labels, support if support is not None else [0] * k)], fontsize=9)
    ax.set_ylim(0, 108)
    ax.set_ylabel("%", fontsize=10, color=_INK)
    ax.legend(loc="upper right", fontsize=9, frameon=False, ncol=2, bbox_to_anchor=(1, 1.1))
    _style(ax)
    if support is not None:
        ax.set_xlabel("class, and its number of true residues", fontsize=9, color="#666666")
    _title(ax, title)
    return fig


def chain_accuracy_figure(lengths, q8, *, pooled: Optional[float] = None, xlabel: Optional[str] = None,
                          title: str = "Per-chain Q8 against chain length"):
    """Scatter of each chain's Q8 (fraction in, % shown) against its length (evaluated residues),
    with the median Q8 per length band and the pooled Q8 as a reference line."""
    x = np.asarray(lengths, dtype=np.float64)
    y = 100 * np.asarray([np.nan if v is None else v for v in q8], dtype=np.float64)
    ok = np.isfinite(y) & (x > 0)
    x, y = x[ok], y[ok]
    fig = new_figure(6.8, 4.4)
    ax = fig.add_axes((0.1, 0.13, 0.86, 0.74))
    ax.scatter(x, y, s=12, color="#4a78b0", alpha=0.55, lw=0, label=f"chain (n = {x.size:,})")
    if x.size >= 10:
        edges = np.unique(np.quantile(x, np.linspace(0, 1, min(10, x.size // 5) + 1)))
        mid, med = [], []
        for a, b in zip(edges[:-1], edges[1:]):
            sel = (x >= a) & (x <= b)
            if sel.any():
                mid.append(np.median(x[sel]))
                med.append(np.median(y[sel]))
        ax.plot(mid, med, color="#d62728", lw=2, marker="o", ms=4, label="median per length band")
    if pooled is not None:
        ax.axhline(100 * pooled, color="#666666", lw=1, ls=(0, (4, 3)), label=f"pooled Q8 {100 * pooled:.1f}%")
    if x.size and x.max() / max(x.min(), 1) > 20:
        from matplotlib.ticker import NullFormatter
        ax.set_xscale("log")
        ticks = [t for t in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                 if x.min() / 1.2 <= t <= x.max() * 1.1]
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel or "chain length (evaluated residues)", fontsize=10, color=_INK)
    ax.set_ylabel("Q8 (%)", fontsize=10, color=_INK)
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right", fontsize=8.5, frameon=True, framealpha=0.9, edgecolor="none")
    _style(ax, grid="both")
    _title(ax, title)
    return fig


def segment_lengths_figure(hists: Mapping[str, Mapping[str, Sequence[float]]], *, max_length: int = 30,
                           title: str = "Segment lengths (3-state)"):
    """One panel per class (e.g. ``{"H": {"truth": counts, "argmax": counts, "samples": counts}}``),
    counts of segments of length 1, 2, ... per source as lines; lengths above ``max_length`` are
    not drawn."""
    names = {"H": "helix (H, G, I)", "E": "strand (E, B)"}
    fig = new_figure(5.2 * max(len(hists), 1), 4.2)
    n = max(len(hists), 1)
    for k, (cls, src) in enumerate(hists.items()):
        ax = fig.add_axes(((k + 0.13) / n, 0.14, 0.82 / n, 0.7))
        for j, (name, counts) in enumerate(src.items()):
            c = np.asarray(counts, dtype=np.float64)[:max_length]
            ax.plot(np.arange(1, c.size + 1), c, color=SOURCE_COLORS.get(name, _CYCLE[j % len(_CYCLE)]),
                    lw=2.2 if name == "truth" else 1.6, marker="o", ms=3,
                    ls="-" if name == "truth" else (0, (5, 2)) if name == "samples" else "-", label=name)
        ax.set_xlim(0.5, max_length + 0.5)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("segment length (residues)", fontsize=10, color=_INK)
        if k == 0:
            ax.set_ylabel("segments", fontsize=10, color=_INK)
        ax.legend(fontsize=8.5, frameon=False)
        _style(ax, grid="both")
        _title(ax, f"{title}: {names.get(cls, cls)}" if k == 0 else names.get(cls, cls))
    return fig


def chain_steps_figure(steps, curves: Mapping[str, Sequence[Optional[float]]], *, ylabel: str = "Q8 (%)",
                       percent: bool = True, min_span: float = 4.0,
                       title: str = "Accuracy against chain steps"):
    """Lines of a score per chain step (e.g. Q8 of the averaged marginals with burn-in 0 / 1 and
    of each single step); ``None`` values are gaps; the y axis spans at least ``min_span`` points."""
    fig = new_figure(6.6, 4.2)
    ax = fig.add_axes((0.11, 0.14, 0.85, 0.72))
    x = np.asarray(steps, dtype=np.float64)
    for j, (name, ys) in enumerate(curves.items()):
        y = np.array([np.nan if v is None else v for v in ys], dtype=np.float64) * (100 if percent else 1)
        ax.plot(x[:y.size], y, color=_CYCLE[j % len(_CYCLE)], lw=1.8, marker="o", ms=4, label=name)
    ax.set_xlabel("chain steps", fontsize=10, color=_INK)
    ax.set_ylabel(ylabel, fontsize=10, color=_INK)
    if x.size and x.max() <= 30:
        ax.set_xticks(x)
    lo, hi = ax.get_ylim()
    if percent and hi - lo < min_span:                     # a flat curve should look flat
        mid = (lo + hi) / 2
        ax.set_ylim(mid - min_span / 2, mid + min_span / 2)
    ax.legend(fontsize=8.5, frameon=False)
    _style(ax, grid="both")
    _title(ax, title)
    return fig


def clamping_figure(series: Mapping[str, Mapping[str, Sequence[float]]], *, metric: str = "Q8",
                    title: str = "Clamping gain on the free residues"):
    """Gain in accuracy (percentage points) on the unclamped residues against the clamped fraction,
    one line per mode: ``{mode: {"fraction": [...], "gain": [...], "lo": [...], "hi": [...]}}``
    (gains and 95% bounds as fractions; ``lo`` / ``hi`` optional)."""
    fig = new_figure(6.6, 4.2)
    ax = fig.add_axes((0.12, 0.14, 0.84, 0.72))
    for j, (mode, s) in enumerate(series.items()):
        f = 100 * np.asarray(s["fraction"], dtype=np.float64)
        g = 100 * np.array([np.nan if v is None else v for v in s["gain"]], dtype=np.float64)
        col = _CYCLE[j % len(_CYCLE)]
        if s.get("lo") is not None and s.get("hi") is not None:
            lo = 100 * np.array([np.nan if v is None else v for v in s["lo"]], dtype=np.float64)
            hi = 100 * np.array([np.nan if v is None else v for v in s["hi"]], dtype=np.float64)
            ax.fill_between(f, lo, hi, color=col, alpha=0.15, lw=0)
        ax.plot(f, g, color=col, lw=1.8, marker="o", ms=5, label=mode)
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xlabel("clamped residues (% of the chain)", fontsize=10, color=_INK)
    ax.set_ylabel(f"{metric} gain on free residues (points)", fontsize=10, color=_INK)
    ax.legend(title="clamp positions", fontsize=8.5, title_fontsize=8.5, frameon=False)
    _style(ax, grid="both")
    _title(ax, title + " (band: 95% bootstrap interval)")
    return fig


def read_metrics_jsonl(path) -> List[dict]:
    """Rows of a run's ``metrics.jsonl`` (one JSON object per epoch)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise InvalidFileError(f"not a JSON line ({e.msg})", file=path, line=n) from None
    return rows


def learning_curves_figure(rows: Sequence[Dict], *, title: str = "Learning curves"):
    """Training loss and validation Q8 / Q3 (%) per epoch from ``metrics.jsonl`` rows
    (keys ``epoch``, ``train_loss``, ``val_q8``, ``val_q3``); the best validation Q8 is marked."""
    ep = np.array([r["epoch"] for r in rows], dtype=np.float64)
    fig = new_figure(10.0, 4.2)
    fig.suptitle(title, x=0.012, y=0.975, ha="left", fontsize=12, fontweight="bold", color=_INK)
    ax = fig.add_axes((0.07, 0.13, 0.39, 0.68))
    ax.plot(ep, [r.get("train_loss", np.nan) for r in rows], color="#4a78b0", lw=1.8, marker="o", ms=3.5)
    ax.set_xlabel("epoch", fontsize=10, color=_INK)
    ax.set_ylabel("walkback NLL per residue", fontsize=10, color=_INK)
    _style(ax, grid="both")
    _title(ax, "training loss")
    bx = fig.add_axes((0.57, 0.13, 0.39, 0.68))
    for key, name, col in (("val_q8", "Q8", "#d62728"), ("val_q3", "Q3", "#2b7bba")):
        y = np.array([r.get(key, np.nan) for r in rows], dtype=np.float64) * 100
        if np.isfinite(y).any():
            bx.plot(ep, y, color=col, lw=1.8, marker="o", ms=3.5, label=f"validation {name}")
    q8 = np.array([r.get("val_q8", np.nan) for r in rows], dtype=np.float64)
    if np.isfinite(q8).any():
        b = int(np.nanargmax(q8))
        bx.scatter([ep[b]], [100 * q8[b]], s=90, facecolor="none", edgecolor=_INK, lw=1.2, zorder=3,
                   label=f"best Q8 {100 * q8[b]:.2f}% (epoch {int(ep[b])})")
        bx.legend(fontsize=8.5, frameon=False)
    bx.set_xlabel("epoch", fontsize=10, color=_INK)
    bx.set_ylabel("accuracy (%)", fontsize=10, color=_INK)
    _style(bx, grid="both")
    _title(bx, "validation accuracy")
    for a in (ax, bx):
        if ep.size and ep.max() <= 20:
            a.set_xticks(ep)
    return fig


def write_learning_curves(run_dir, out: Optional[str] = None) -> Path:
    """Read ``RUN_DIR/metrics.jsonl`` and write ``learning_curves.png`` there (or to ``out``)."""
    run_dir = Path(run_dir)
    src = run_dir / "metrics.jsonl"
    if not src.exists():
        raise InvalidFileError("no metrics.jsonl: not a finished epoch in this run directory", file=src)
    rows = read_metrics_jsonl(src)
    if not rows:
        raise InvalidFileError("metrics.jsonl holds no epoch", file=src)
    return save_figure(learning_curves_figure(rows, title=f"Learning curves: {run_dir.name}"),
                       out or run_dir / "learning_curves.png")
