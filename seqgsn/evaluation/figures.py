"""Per-record pictures (PSIPRED-like cartoon over confidence and 8-state probabilities; sample raster)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..alphabet import SS8, encode_ss8
from ..chain.label_stats import majority_vote, segment_bounds
from ..errors import LabelMismatchError, SeqGSNError, ToolNotFoundError

# Records are the JSON objects of ``predict --format jsonl`` / ``sample`` (seqgsn.io.formats): id,
# sequence, ss8, prob8 (L x 8, order HGIEBTSC), optional description, clamped ('-' = free), samples.

# PSIPRED-like: helices red / magenta / purple, strands yellow / orange, turns and bends blue, coil grey.
SS8_COLORS = {"H": "#d62728", "G": "#e377c2", "I": "#8c4fb8", "E": "#f2c12e",
              "B": "#e0761b", "T": "#2b7bba", "S": "#9dc7e4", "C": "#c4c4c4"}
SS8_NAMES = {"H": "α-helix", "G": "3₁₀-helix", "I": "π-helix", "E": "strand", "B": "bridge",
             "T": "turn", "S": "bend", "C": "coil"}
FIGURE_FORMATS = ("png", "svg", "pdf")
HELIX, STRAND = "HGI", "EB"
_INK = "#333333"


def require_matplotlib():
    """The matplotlib module (imported only when a figure is drawn), or :class:`ToolNotFoundError`
    saying ``pip install 'seqgsn[plot]'``."""
    try:
        import matplotlib.figure
    except ImportError:
        raise ToolNotFoundError("drawing figures needs matplotlib, which is not installed: "
                                "pip install 'seqgsn[plot]'") from None
    return matplotlib


def new_figure(width: float, height: float):
    """A detached Figure on its own Agg canvas: no pyplot state, no global backend change, so it
    works headless and inside notebooks alike."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def figure_format(path) -> str:
    """``png`` / ``svg`` / ``pdf`` from a file name's extension, or a clear error."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FIGURE_FORMATS:
        raise SeqGSNError(f"figure format from the extension must be one of {', '.join(FIGURE_FORMATS)}"
                          f" (got {'.' + ext if ext else 'no extension'})", file=path)
    return ext


def figure_bytes(fig, fmt: str = "png", *, dpi: int = 150) -> bytes:
    """The figure encoded as ``png``/``svg``/``pdf`` bytes (no creation dates: same input, same bytes)."""
    meta = {"png": {"Software": None}, "svg": {"Date": None},
            "pdf": {"CreationDate": None, "ModDate": None}}[fmt]
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta, facecolor="white")
    return buf.getvalue()


def save_figure(fig, path, *, dpi: int = 150) -> Path:
    """Write ``fig`` atomically to ``path``, format from its extension; returns the path."""
    from ..io.atomic import atomic_write
    data = figure_bytes(fig, figure_format(path), dpi=dpi)
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return path


HEAD_H, LEGEND_H = 0.72, 0.42      # inches above the rows: title lines, then the legend


def _row_grid(parts, n_rows: int, span: int, extra_w: float, left: float):
    """A figure of ``n_rows`` wrapped rows, each a stack of ``parts`` [(name, inches)], under the title
    and legend -> (figure, gridspec with one cell per part per row, width, height) in inches."""
    width = min(20.0, max(8.0, extra_w + 0.125 * span))
    height = HEAD_H + LEGEND_H + sum(h for _, h in parts) * n_rows
    fig = new_figure(width, height)
    gs = fig.add_gridspec(len(parts) * n_rows, 1, height_ratios=[h for _ in range(n_rows) for _, h in parts],
                          left=left / width, right=1 - 0.3 / width, top=1 - (HEAD_H + LEGEND_H) / height,
                          bottom=0.0, hspace=0.0)
    return fig, gs, width, height


def row_starts(length: int, per_row: int) -> List[int]:
    """0-based first residue of each wrapped row (at least one row)."""
    if per_row < 1:
        raise ValueError("per_row must be >= 1")
    return list(range(0, max(length, 1), per_row))


def _check_record(rec: dict, need: Sequence[str]) -> Tuple[str, str]:
    rid = str(rec.get("id", "?"))
    missing = [k for k in ("sequence", *need) if k not in rec]
    if missing:
        raise LabelMismatchError(f"record lacks {', '.join(missing)} (expected predict/sample JSONL)",
                                 record=rid)
    seq = rec["sequence"]
    for k in need:
        v = rec[k]
        n = len(v) if isinstance(v, str) else (len(v[0]) if k == "samples" and v else len(v))
        if n != len(seq):
            raise LabelMismatchError(f"{k} has length {n}, sequence {len(seq)}", record=rid)
    return rid, seq


def _legend_handles(classes: str = SS8, clamped: bool = False):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    h = [Patch(facecolor=SS8_COLORS[c], edgecolor="none", label=f"{c} {SS8_NAMES[c]}") for c in classes]
    if clamped:
        h.append(Line2D([], [], marker="v", ls="none", color=_INK, markerfacecolor="white",
                        markersize=7, label="clamped (given label)"))
    return h


def _title(fig, rec: dict, extra: str, top: float) -> None:
    desc = str(rec.get("description") or "")
    head = str(rec.get("id", ""))
    if desc:
        head += "  " + desc
    if len(head) > 120:
        head = head[:117] + "..."
    fig.text(0.012, top, head, ha="left", va="top", fontsize=12, fontweight="bold", color=_INK)
    fig.text(0.012, top - 0.32 / fig.get_figheight(), extra, ha="left", va="top", fontsize=9.5,
             color="#555555")


def _row_axes_style(ax, start: int, end: int, span: int, *, xticks: bool) -> None:
    """x axis of one wrapped row: residues ``start+1..end`` (1-based) on a ``span``-residue scale."""
    ax.set_xlim(start + 0.5, start + span + 0.5)
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.spines["bottom"].set_visible(xticks)
    if xticks:
        ax.spines["bottom"].set_bounds(start + 0.5, end + 0.5)
        step = 10 if span > 30 else 5
        first = (start // step + 1) * step
        ticks = [start + 1] if (start + 1) % step and first - start > 3 else []
        ticks += list(range(first, end + 1, step))
        ax.set_xticks(ticks)
        ax.set_xticks([t for t in range(start + 1, end + 1) if t % 5 == 0 and t not in ticks], minor=True)
        ax.tick_params(axis="x", which="minor", length=2.5, color="#999999")
        ax.tick_params(axis="x", labelsize=8.5, length=4, color="#777777", labelcolor=_INK)
    else:
        ax.set_xticks([])


def _bars(ax, x0: int, heights, color: str, width: float = 0.86) -> None:
    """One bar per residue from 1-based position ``x0`` on, as a single collection (fast)."""
    from matplotlib.collections import PolyCollection
    h = np.asarray(heights, dtype=np.float64)
    x = np.arange(x0, x0 + h.size, dtype=np.float64)
    a, b = x - width / 2, x + width / 2
    verts = np.stack([np.stack([a, np.zeros_like(h)], 1), np.stack([a, h], 1), np.stack([b, h], 1),
                      np.stack([b, np.zeros_like(h)], 1)], 1)
    ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", linewidths=0))


def _side_label(ax, text: str, y: float = 0.5) -> None:
    ax.text(-0.006, y, text, transform=ax.transAxes, ha="right", va="center", fontsize=9, color=_INK)


def draw_cartoon(ax, ss8: str, start: int, end: int, *, y: float = 0.5, height: float = 0.5) -> None:
    """Helices (H/G/I) as rounded cylinders, strands (E/B) as arrows and a coil line for residues
    ``start..end-1`` (0-based) on ``ax``, whose x axis is 1-based residue numbers."""
    from matplotlib.patches import FancyBboxPatch, Polygon
    x0, x1 = start + 0.5, end + 0.5
    ax.plot([x0, x1], [y, y], color="#8a8a8a", lw=1.6, solid_capstyle="butt", zorder=1)
    aspect = _data_aspect(ax)
    for cls, s, e in ((c, s, e + 1) for c in HELIX + STRAND for s, e in zip(*segment_bounds(ss8, c))):
        if e <= start or s >= end:
            continue
        a, b = max(s, start) + 0.5, min(e, end) + 0.5       # residue i (0-based) spans i+0.5 .. i+1.5
        col = SS8_COLORS[cls]
        if cls in HELIX:
            r = min(0.45 * (b - a), 0.8)
            ax.add_patch(FancyBboxPatch((a + 0.08, y - height / 2), b - a - 0.16, height,
                                        boxstyle=f"round,pad=0,rounding_size={r}", mutation_aspect=aspect,
                                        facecolor=col, edgecolor=_shade(col), lw=0.9, zorder=3))
        else:
            body = 0.48 * height
            tip = e <= end                                     # the strand ends in this row
            head = min(1.6, 0.6 * (b - a)) if tip else 0.0
            pts = [(a, y - body / 2), (b - head, y - body / 2)]
            if tip:
                pts += [(b - head, y - 0.5 * height), (b, y), (b - head, y + 0.5 * height)]
            else:
                pts += [(b, y - body / 2), (b, y + body / 2)]
            pts += [(b - head, y + body / 2), (a, y + body / 2)]
            ax.add_patch(Polygon(pts, closed=True, facecolor=col, edgecolor=_shade(col), lw=0.9,
                                 joinstyle="miter", zorder=3))


def _data_aspect(ax) -> float:
    """y data units per x data unit on screen, so rounded corners look round."""
    fig = ax.figure
    bbox = ax.get_position()
    w_in, h_in = bbox.width * fig.get_figwidth(), bbox.height * fig.get_figheight()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return ((y1 - y0) / h_in) / ((x1 - x0) / w_in)


def _shade(color: str, f: float = 0.7) -> tuple:
    from matplotlib.colors import to_rgb
    return tuple(f * c for c in to_rgb(color))


def _letter_color(c: str):
    """Readable text colour of a class letter on white (yellows darkened, coil grey)."""
    return "#888888" if c == "C" else _shade(SS8_COLORS[c], 0.62 if c in "EB" else 0.85)


def _residue_pt(fig, ax, span: int) -> float:
    return ax.get_position().width * fig.get_figwidth() * 72.0 / span


def prediction_figure(rec: dict, *, per_row: int = 100, title: Optional[str] = None):
    """PSIPRED-like picture of one ``predict --format jsonl`` record: per wrapped row (``per_row``
    residues), clamped positions (triangles) over a cartoon, the predicted 8-state letters and the
    sequence, a confidence bar (max probability) and the stacked 8-state probabilities."""
    rid, seq = _check_record(rec, ("ss8",))
    ss8 = rec["ss8"]
    L = len(seq)
    prob = rec.get("prob8")
    prob = None if prob is None else np.asarray(prob, dtype=np.float64).reshape(-1, len(SS8))
    if prob is not None and prob.shape[0] != L:
        raise LabelMismatchError(f"prob8 has {prob.shape[0]} rows, sequence {L}", record=rid)
    clamped = rec.get("clamped")
    if clamped is not None and len(clamped) != L:
        raise LabelMismatchError(f"clamped has length {len(clamped)}, sequence {L}", record=rid)
    n_clamped = 0 if clamped is None else sum(c != "-" for c in clamped)
    starts = row_starts(L, per_row)
    span = min(per_row, max(L, 1))
    # heights in inches: clamp marks + cartoon, letters, confidence, probabilities, gap
    cart_top = 1.0 if n_clamped else 0.72                  # room for the clamp marks above the cartoon
    parts = [("cartoon", 0.62 * cart_top), ("letters", 0.38)]
    if prob is not None:
        parts += [("conf", 0.42), ("sep", 0.06), ("prob", 0.85)]
    parts.append(("gap", 0.42))
    head_h = HEAD_H
    fig, gs, width, height = _row_grid(parts, len(starts), span, extra_w=1.4, left=0.9)
    extra = [f"{L} residues"]
    if prob is not None:
        extra.append(f"mean confidence {prob.max(1).mean():.2f}")
    if clamped is not None:
        extra.append(f"{n_clamped} clamped")
    extra.append("cylinders: helices, arrows: strands, line: coil; confidence = highest 8-state probability")
    if title is not None:
        rec = {"id": title}
    _title(fig, rec, "  ·  ".join(extra), 1 - 0.1 / height)
    fig.legend(handles=_legend_handles(SS8, n_clamped > 0), loc="upper left", ncol=9, frameon=False,
               fontsize=9, bbox_to_anchor=(0.9 / width - 0.01, 1 - (head_h - 0.02) / height),
               handlelength=1.4, columnspacing=1.4, handletextpad=0.5)
    for r, s in enumerate(starts):
        e = min(s + per_row, L)
        axes = {name: fig.add_subplot(gs[r * len(parts) + k, 0], label=f"{name} {r + 1}")
                for k, (name, _) in enumerate(parts)}
        for name in ("gap", "sep"):
            if name in axes:
                axes[name].set_axis_off()
        ax = axes["cartoon"]
        ax.set_ylim(0.0, cart_top)
        _row_axes_style(ax, s, e, span, xticks=False)
        ax.set_yticks([])
        draw_cartoon(ax, ss8, s, e, y=0.36, height=0.46)
        _side_label(ax, "Cart", 0.36 / cart_top)
        if clamped is not None:
            pos = [i for i in range(s, e) if clamped[i] != "-"]
            if pos:
                ax.scatter([i + 1 for i in pos], [0.86] * len(pos), marker="v", s=26, zorder=4,
                           c=[SS8_COLORS.get(clamped[i], "white") for i in pos], edgecolors=_INK,
                           linewidths=0.7)
                _side_label(ax, "Clamp", 0.86)
        ax = axes["letters"]
        ax.set_ylim(0, 1)
        _row_axes_style(ax, s, e, span, xticks=False)
        ax.set_yticks([])
        fs = min(9.0, 0.92 * _residue_pt(fig, ax, span))
        if fs >= 3.5:
            for i in range(s, e):
                ax.text(i + 1, 0.72, ss8[i], ha="center", va="center", fontsize=fs, family="monospace",
                        color=_letter_color(ss8[i]),
                        fontweight="bold")
                ax.text(i + 1, 0.25, seq[i], ha="center", va="center", fontsize=fs, family="monospace",
                        color=_INK)
            _side_label(ax, "Pred", 0.72)
            _side_label(ax, "AA", 0.25)
        if prob is None:
            _row_axes_style(ax, s, e, span, xticks=True)
            continue
        ax = axes["conf"]
        conf = prob[s:e].max(1)
        _bars(ax, s + 1, conf, "#4a78b0")
        ax.set_ylim(0, 1.02)
        _row_axes_style(ax, s, e, span, xticks=False)
        ax.set_yticks([])
        ax.hlines(0.5, s + 0.5, e + 0.5, color="#bbbbbb", lw=0.6, ls=(0, (3, 3)), zorder=0)
        _side_label(ax, "Conf")
        ax = axes["prob"]
        xs = np.repeat(np.arange(s, e), 2) + np.tile([0.5, 1.5], e - s)
        cum = np.zeros(2 * (e - s))
        for k, c in enumerate(SS8):
            top = cum + np.repeat(prob[s:e, k], 2)
            ax.fill_between(xs, cum, top, facecolor=SS8_COLORS[c], edgecolor="none", lw=0)
            cum = top
        ax.set_ylim(0, max(1.0, float(cum.max())))
        _row_axes_style(ax, s, e, span, xticks=True)
        ax.set_yticks([])
        _side_label(ax, "P(ss8)")
    return fig


def consensus(samples: Sequence[str]) -> Tuple[str, np.ndarray]:
    """Per-position majority label (:func:`majority_vote`; ties go to the earliest in ``HGIEBTSC``)
    and the fraction of samples that agree with it."""
    cons = majority_vote(list(samples))
    return cons, (np.stack([encode_ss8(x) for x in samples]) == encode_ss8(cons)).mean(0)


def samples_figure(rec: dict, *, per_row: int = 100, max_samples: int = 100):
    """Raster of one ``sample`` record: columns = residues, rows = samples (at most ``max_samples``),
    colour = 8-state class; above them the consensus (per-position majority) row, the argmax row
    when the record also has ``ss8``, and the fraction of samples agreeing with the consensus."""
    require_matplotlib()
    from matplotlib.colors import BoundaryNorm, ListedColormap
    rid, seq = _check_record(rec, ("samples",))
    samples = list(rec["samples"])[:max_samples]
    if not samples:
        raise LabelMismatchError("record has no samples", record=rid)
    for k, smp in enumerate(samples):
        if len(smp) != len(seq):
            raise LabelMismatchError(f"sample {k + 1} has length {len(smp)}, sequence {len(seq)}", record=rid)
    L, n = len(seq), len(samples)
    cons, agree = consensus(samples)
    top = [("consensus", cons)] + ([("argmax", rec["ss8"])] if rec.get("ss8") else [])
    mat = np.stack([encode_ss8(t, record=rid) for t in [t for _, t in top] + samples])
    cmap = ListedColormap([SS8_COLORS[c] for c in SS8])
    norm = BoundaryNorm(np.arange(-0.5, len(SS8)), cmap.N)
    starts = row_starts(L, per_row)
    span = min(per_row, max(L, 1))
    top_h = 0.2 * len(top)
    raster_h = min(3.0, max(0.8, 0.06 * n))
    parts = [("agree", 0.42), ("top", top_h), ("sep", 0.08), ("raster", raster_h), ("gap", 0.5)]
    head_h = HEAD_H
    fig, gs, width, height = _row_grid(parts, len(starts), span, extra_w=1.6, left=1.1)
    _title(fig, rec, f"{L} residues  ·  {len(rec['samples'])} samples"
           + (f" (first {n} shown)" if n < len(rec["samples"]) else "")
           + f"  ·  mean agreement with the consensus {agree.mean():.2f}", 1 - 0.1 / height)
    fig.legend(handles=_legend_handles(), loc="upper left", ncol=8, frameon=False, fontsize=9,
               bbox_to_anchor=(1.1 / width - 0.01, 1 - (head_h - 0.02) / height), handlelength=1.4,
               columnspacing=1.4, handletextpad=0.5)
    for r, s in enumerate(starts):
        e = min(s + per_row, L)
        axes = {name: fig.add_subplot(gs[r * len(parts) + k, 0], label=f"{name} {r + 1}")
                for k, (name, _) in enumerate(parts)}
        axes["gap"].set_axis_off()
        axes["sep"].set_axis_off()
        ax = axes["agree"]
        _bars(ax, s + 1, agree[s:e], "#4a78b0")
        ax.set_ylim(0, 1.02)
        ax.set_yticks([])
        _row_axes_style(ax, s, e, span, xticks=False)
        _side_label(ax, "Agreement")
        ax = axes["top"]
        ax.imshow(mat[:len(top), s:e], cmap=cmap, norm=norm, aspect="auto", interpolation="nearest",
                  extent=(s + 0.5, e + 0.5, len(top), 0))
        _row_axes_style(ax, s, e, span, xticks=False)
        ax.set_ylim(len(top), 0)
        ax.set_yticks([])
        for k, (name, _) in enumerate(top):
            _side_label(ax, name.capitalize(), 1 - (k + 0.5) / len(top))
        ax = axes["raster"]
        ax.imshow(mat[len(top):, s:e], cmap=cmap, norm=norm, aspect="auto", interpolation="nearest",
                  extent=(s + 0.5, e + 0.5, n + 0.5, 0.5))
        _row_axes_style(ax, s, e, span, xticks=True)
        ax.set_ylim(n + 0.5, 0.5)
        ax.set_yticks([1, n] if n > 1 else [1])
        ax.tick_params(axis="y", labelsize=8, length=2, color="#999999", labelcolor="#555555")
        ax.set_ylabel("Samples", fontsize=9, color=_INK, rotation=0, ha="right", va="center", labelpad=14)
    return fig
