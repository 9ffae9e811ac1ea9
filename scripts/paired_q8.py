#!/usr/bin/env python
"""Paired comparison of models on one labelled set: Q8, Q3 and SOV3, each with a chain-bootstrap 95% CI
of the difference.

    python scripts/paired_q8.py --a seqgsn/models/default.pt --b runs/ablation/model.pt [--b ...] \
        --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv

Every model predicts the same chains with its own default chain settings (seed 0), or a model is given by
the JSON ``seqgsn evaluate --json`` wrote for the same data (seed 0: the same predictions); only evaluated residues
count, as counted by ``seqgsn.evaluation.evaluate`` (per chain: 8-state counts for Q8, all labelled residues
for Q3 and SOV3, SOV3 weighted by chain length as ``evaluate`` does). A set with 3-state labels only (NEW364)
gets Q3 and SOV3. The CI resamples chains with replacement (2,000 draws, seeded), so residues of one chain
move together. Each B is compared with A. When A and B are both evaluate JSONs with 8-state labels, a second
line splits A-B Q8 by true class (the diagonals of their ``confusion8``: the contributions add up to A-B)
and names where B's lost residues of each class went. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import seqgsn
from seqgsn.errors import SeqGSNError
from seqgsn.evaluation import evaluate
from seqgsn.data.training_set import read_entry


def per_chain_counts(model_path, refs) -> dict:
    """-> per-chain arrays: c8 / n8 (8-state correct / evaluated), c3 / n (3-state), sov (SOV3 x n).

    model_path: a model file (predicted here, seed 0), or the JSON ``seqgsn evaluate --json`` wrote
    for the same data (its ``per_chain`` rows; nothing is predicted again)."""
    if str(model_path).endswith(".json"):
        rows = json.loads(Path(model_path).read_text())["per_chain"]
        ids = [r.id for r in refs if r.eval_mask().any()]
        if [c["id"] for c in rows] != ids:
            raise SystemExit(f"{model_path}: its per_chain rows are not the chains of --data")
    else:
        preds = seqgsn.load_model(model_path).predict([r.as_record() for r in refs])
        rows = evaluate(refs, preds, calibration=False, segments=False)["per_chain"]
    col = lambda f: np.array([f(c) for c in rows], float)   # noqa: E731
    return {"c8": col(lambda c: c.get("correct8") or 0), "n8": col(lambda c: c.get("n_residues8") or 0),
            "c3": col(lambda c: (c["q3"] or 0) * c["n_residues"]), "n": col(lambda c: c["n_residues"]),
            "sov": col(lambda c: (c["sov3"] or 0) * c["n_residues"])}


def paired_ci(num_a, num_b, den, draws: int = 2000, seed: int = 0) -> tuple:
    """Paired chain bootstrap of sum(num_a - num_b) / sum(den) over chains -> (diff, lo, hi) in points.

    Arrays are per chain; chains are resampled with replacement (``draws`` times, seeded), so residues
    of one chain move together. Also used by ``scripts/chain_study.py`` (SOV3, clamped subsets)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(den), (draws, len(den)))
    boots = (num_a[idx].sum(1) - num_b[idx].sum(1)) / den[idx].sum(1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return 100 * (num_a.sum() - num_b.sum()) / den.sum(), 100 * lo, 100 * hi


def class_contributions(json_a, json_b) -> tuple:
    """-> ({class: A-B Q8 points from residues of that true class}, {class: {predicted: B-A count}}).

    From the 8-state confusion matrices (rows true, columns predicted) of two evaluate JSONs on the same
    residues; the contributions sum to A-B Q8."""
    a, b = (json.loads(Path(p).read_text()) for p in (json_a, json_b))
    ca, cb, labels = np.array(a["confusion8"], float), np.array(b["confusion8"], float), a["labels8"]
    if ca.sum() != cb.sum() or not np.array_equal(ca.sum(1), cb.sum(1)):
        raise SystemExit(f"{json_a} and {json_b} were not scored on the same residues")
    diag = 100 * (np.diag(ca) - np.diag(cb)) / ca.sum()
    moved = {t: {p: int(cb[i, j] - ca[i, j]) for j, p in enumerate(labels) if j != i and cb[i, j] != ca[i, j]}
             for i, t in enumerate(labels)}
    return dict(zip(labels, diag)), moved


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="model file A (or its `seqgsn evaluate --json` output on --data)")
    ap.add_argument("--b", required=True, action="append", help="model file B, or JSON (repeatable: each vs A)")
    ap.add_argument("--data", required=True, help="labelled corpus (any format seqgsn reads; PATH?split=test)")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        run(a)
    except SeqGSNError as e:                        # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(a) -> None:
    refs = [r for r in read_entry(a.data) if (r.ss8 or r.ss3) is not None]
    A = per_chain_counts(a.a, refs)
    print(f"{len(refs)} chains, {int(A['n8'].sum()):,} evaluated 8-state / {int(A['n'].sum()):,} 3-state residues; "
          f"A = {a.a}")
    for b in a.b:
        B = per_chain_counts(b, refs)
        assert np.array_equal(A["n"], B["n"]) and np.array_equal(A["n8"], B["n8"])
        parts = []
        for name, num, den in (("Q8", "c8", "n8"), ("Q3", "c3", "n"), ("SOV3", "sov", "n")):
            if A[den].sum() == 0:
                continue
            diff, lo, hi = paired_ci(A[num], B[num], A[den], a.draws, a.seed)
            parts.append(f"{name} A {100 * A[num].sum() / A[den].sum():.2f} B {100 * B[num].sum() / B[den].sum():.2f} "
                         f"A-B {diff:+.2f} [{lo:+.2f}, {hi:+.2f}]")
        print(f"B = {b}: " + "; ".join(parts) + f" (95% CI, chain bootstrap, {a.draws} draws)", flush=True)
        if str(a.a).endswith(".json") and str(b).endswith(".json") and A["n8"].sum() > 0:
            contrib, moved = class_contributions(a.a, b)
            worst = max(contrib, key=contrib.get)        # where B lost most
            where = ", ".join(f"{p} {n:+d}" for p, n in sorted(moved[worst].items(), key=lambda kv: -abs(kv[1]))[:3])
            print("  A-B Q8 by true class: " + " ".join(f"{c} {v:+.2f}" for c, v in contrib.items())
                  + f"; B's true {worst} went to: {where} (residues, B - A)", flush=True)


if __name__ == "__main__":
    main()
