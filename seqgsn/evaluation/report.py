"""``format_report``: the dict returned by :func:`seqgsn.evaluation.evaluate` as terminal text."""
from __future__ import annotations


def _pct(x) -> str:
    return "   n/a" if x is None else f"{100 * x:6.2f}"


def _per_class_table(scores: dict) -> list[str]:
    lines = ["  class  precision  recall      F1   support"]
    for cls, s in scores.items():
        lines.append(f"  {cls:>5}  {_pct(s['precision']):>9}  {_pct(s['recall']):>6}  "
                     f"{_pct(s['f1']):>6}  {s['support']:>8}")
    return lines


def _confusion(matrix: list, labels: str) -> list[str]:
    width = max(6, max((len(str(v)) for row in matrix for v in row), default=1) + 1)
    lines = ["  truth\\pred " + "".join(f"{c:>{width}}" for c in labels)]
    for cls, row in zip(labels, matrix):
        lines.append(f"  {cls:>10} " + "".join(f"{v:>{width}}" for v in row))
    return lines


def chains_line(m: dict) -> str:
    """``chains: N evaluated (N8 with 8-state labels); E more have no evaluated residue``: the
    empty chains are *not* among the N (``n_chains`` + ``n_chains_empty`` = chains read)."""
    line = f"chains: {m['n_chains']} evaluated ({m['n_chains8']} with 8-state labels)"
    empty = m.get("n_chains_empty")
    if empty:
        line += f"; {empty} more {'has' if empty == 1 else 'have'} no evaluated residue"
    return line


def format_report(metrics: dict) -> str:
    """Multi-line summary: counts, Q8/Q3/SOV3 (percent), per-class tables, confusion matrices,
    and calibration / segment summaries when present. Missing values print as ``n/a``."""
    m = metrics
    out = [chains_line(m),
           f"evaluated residues: {m['n_residues']} (8-state: {m['n_residues8']})",
           "",
           "              per-residue  chain mean",
           f"  Q8              {_pct(m['q8'])}      {_pct(m['q8_chain_mean'])}",
           f"  Q3              {_pct(m['q3'])}      {_pct(m['q3_chain_mean'])}",
           f"  SOV3 (SOV'99)   {_pct(m['sov3'])}      {_pct(m['sov3_chain_mean'])}",
           "  (SOV3 per-residue = chain SOV weighted by evaluated residues)"]
    if m.get("decode") == "segment":
        # these are not the numbers of a plain run: say so where they are read
        out.append("  (--decode segment: segment-decoded labels, Q3 and SOV3 from their 8->3 map"
                   + ("; default argmax in the decoding table)" if m.get("decoding") else ")"))
    if m.get("q8_i_as_h") is not None:
        out.append(f"  Q8 with pi-helix I scored as H (DSSP < 2.1 convention): {_pct(m['q8_i_as_h'])}")
    labels8, labels3 = m.get("labels8", "HGIEBTSC"), m.get("labels3", "HEC")
    for name, key, conf, labels in (("8-state", "ss8", "confusion8", labels8),
                                    ("3-state", "ss3", "confusion3", labels3)):
        scores, matrix = (m.get("per_class") or {}).get(key), m.get(conf)
        if scores is None or matrix is None:        # no reference labels of this kind
            out += ["", f"{name} per class and confusion: n/a (no evaluated residue has {name} truth)"]
            continue
        out += ["", f"{name} per class (%):"] + _per_class_table(scores)
        out += ["", f"{name} confusion (rows = truth):"] + _confusion(matrix, labels)
    cal = m.get("calibration")
    if cal:
        f3 = (lambda x: "n/a" if x is None else f"{x:.4f}")
        out += ["", f"calibration ({cal['n_bins']} bins): ECE8 {f3(cal['ece8'])}  "
                    f"ECE3 {f3(cal['ece3'])}  Brier8 {f3(cal['brier8'])}  Brier3 {f3(cal['brier3'])}"]
    seg = m.get("segments")
    if seg:
        out += ["", "segment lengths (3-state):   n truth  n pred  mean truth  mean pred    W1"]
        for cls, s in seg.items():
            mt = "n/a" if s["mean_truth"] is None else f"{s['mean_truth']:.2f}"
            mp = "n/a" if s["mean_pred"] is None else f"{s['mean_pred']:.2f}"
            w1 = "n/a" if s["w1"] is None else f"{s['w1']:.2f}"
            out.append(f"  {cls:<26} {s['n_truth']:>8} {s['n_pred']:>7} {mt:>11} {mp:>10} {w1:>5}")
    return "\n".join(out)
