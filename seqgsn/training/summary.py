"""What a training run tells its user: epoch lines and the final summary, in percentages like ``evaluate``.

``metrics.jsonl`` keeps fractions (machine-readable: ``val_q8`` 0.612 = 61.2%); everything printed
(log lines, the summary, ``seqgsn evaluate``, the model card) shows Q8 / Q3 in percent. Calibration
errors (ECE, Brier) are printed as the fractions they are, in the same four decimals as ``evaluate``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def finite_mean(xs) -> float:
    """Mean of the finite values (a hybrid's unlabelled batches have no supervised cost: nan)."""
    xs = np.asarray(xs, dtype=np.float64)
    return float(xs[np.isfinite(xs)].mean()) if np.isfinite(xs).any() else float("nan")


def frac(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def selection_metric(row: dict) -> str:
    """What picks the best epoch: validation Q8; Q3 when the validation chains have only 3-state labels
    (FLIP-style corpora); the training loss when there are no validation chains."""
    if row.get("val_q8") is not None:
        return "Q8"
    return "Q3" if row.get("val_q3") is not None else "training loss"


def selection_score(row: dict) -> float:
    """Higher is better; see :func:`selection_metric`."""
    how = selection_metric(row)
    return row["val_q8"] if how == "Q8" else row["val_q3"] if how == "Q3" else -row["train_loss"]


def epoch_line(row: dict, epochs: int) -> str:
    """``[epoch] 3/10 step 120: train loss 1.2345, val Q8 61.2% Q3 72.6% (689 chains...), 2.3 min, 31,000 res/s``."""
    msg = f"[epoch] {row['epoch']}/{epochs} step {row['global_step']}: train loss {row['train_loss']:.4f}"
    if "train_unsup" in row:
        msg += f" (labelled batches), x-term {row['train_unsup']:.4f}"
    if "val_q8" in row:
        msg += (f", val Q8 {pct(row['val_q8'])} Q3 {pct(row['val_q3'])} "
                f"({row['val_residues8']:,} / {row['val_residues3']:,} residues)")
    return msg + f", {row['minutes']:.1f} min, {row['train_res_per_s']:,.0f} res/s"


def format_summary(summary: dict, run_dir) -> str:
    """The one final summary of ``seqgsn train`` (human-readable; paths as the user gave them)."""
    run_dir = Path(run_dir)
    model = run_dir / "model.pt"
    lines = [f"seqgsn train: done, {summary['epochs_run']} epoch(s), {summary['global_step']:,} steps, "
             f"{summary['minutes']:.1f} min (stopped by: {summary['stop']})"]
    best = summary.get("best_metrics") or {}
    if model.exists():
        if "val_q8" in best:
            val = (f"best epoch {summary['best_epoch']}: validation Q8 {pct(best['val_q8'])}, Q3 {pct(best['val_q3'])}, "
                   f"selected on {selection_metric(best)}")
        else:
            val = f"best epoch {summary['best_epoch']} by training loss (no validation chains)"
        lines.append(f"  model:       {model}  ({val})")
    else:
        lines.append("  model:       none written (no epoch finished; resume with --resume)")
    lines.append(f"  run folder:  {run_dir}  (log.txt, metrics.jsonl with fractions, config.yaml, state.pt)")
    cal = summary.get("calibration")
    if cal:
        lines.append(f"  calibration: temperature {cal['temperature']:.3f}, validation ECE8 "
                     f"{frac(cal['ece8_before'])} -> {frac(cal['ece8_after'])}")
    pw = summary.get("pairwise")
    if pw:
        lines.append(f"  CRF sampler: fitted ({pw.get('minutes', 0):.1f} min), used by `seqgsn sample`")
    td = summary.get("training_data") or {}
    if td:
        filt = ", ".join(f"{c.get('entry')}: {c.get('kept')} of {c.get('chains')} kept" for c in td.get("corpora", []))
        cut = td.get("max_chains")
        lines.append(f"  data:        {td.get('train_chains')} training / {td.get('val_chains')} validation chains"
                     + (f" ({filt})" if filt else "")
                     + (f"; data.max_chains: a random {cut['used']} of {cut['of']}" if cut else ""))
    if model.exists():
        lines.append(f"  next:        seqgsn evaluate --model {model} --data YOUR_TEST_SET")
    return "\n".join(lines)
