#!/usr/bin/env python
"""Paired comparison of models on one labelled set: Q8, Q3 and SOV3, each with a chain-bootstrap 95% CI
of the difference.

    python scripts/paired_q8.py --a seqgsn/models/default.pt --b runs/ablation/model.pt [--b ...] \
        --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv

Every model predicts the same chains with its own default chain settings (seed 0); only evaluated residues
count, as counted by ``seqgsn.evaluation.evaluate`` (per chain: 8-state counts for Q8, all labelled residues
for Q3 and SOV3, SOV3 weighted by chain length as ``evaluate`` does). A set with 3-state labels only (NEW364)
gets Q3 and SOV3. The CI resamples chains with replacement (2,000 draws, seeded), so residues of one chain
move together. Each B is compared with A. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse

import numpy as np

import seqgsn
from seqgsn.evaluation import evaluate
from seqgsn.data.training_set import parse_entry
from seqgsn.io.corpus import read_corpus


def per_chain_counts(model_path, refs) -> dict:
    """-> per-chain arrays: c8 / n8 (8-state correct / evaluated), c3 / n (3-state), sov (SOV3 x n)."""
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="model file A")
    ap.add_argument("--b", required=True, action="append", help="model file B (repeatable: each vs A)")
    ap.add_argument("--data", required=True, help="labelled corpus (any format seqgsn reads; PATH?split=test)")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    path, opts = parse_entry(a.data)                # 'splits.zip?split=test' as in data.train
    refs = [r for r in read_corpus(str(path), **opts) if (r.ss8 or r.ss3) is not None]
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


if __name__ == "__main__":
    main()
