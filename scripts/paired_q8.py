#!/usr/bin/env python
"""Paired comparison of two models' Q8 on one labelled set, with a chain-bootstrap 95% CI of the difference.

    python scripts/paired_q8.py --a seqgsn/models/default.pt --b runs/ablation/model.pt \
        --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv

Both models predict the same chains with their own default chain settings; only evaluated residues count,
as counted by ``seqgsn.evaluation.evaluate`` (its per-chain 8-state counts). The CI resamples chains with
replacement (2,000 draws, seeded), so residues of one chain move together. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse

import numpy as np

import seqgsn
from seqgsn.evaluation import evaluate
from seqgsn.io.corpus import read_corpus


def correct_per_chain(model_path, refs) -> tuple[np.ndarray, np.ndarray]:
    """-> (correct 8-state residues, evaluated 8-state residues) per chain with any."""
    preds = seqgsn.load_model(model_path).predict([r.as_record() for r in refs])
    rows = evaluate(refs, preds, calibration=False, segments=False)["per_chain"]
    return (np.array([c["correct8"] for c in rows]), np.array([c["n_residues8"] for c in rows]))


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
    ap.add_argument("--b", required=True, help="model file B")
    ap.add_argument("--data", required=True, help="labelled corpus (any format seqgsn reads)")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    refs = [r for r in read_corpus(a.data) if r.ss8 is not None]
    ha, n = correct_per_chain(a.a, refs)
    hb, nb = correct_per_chain(a.b, refs)
    assert np.array_equal(n, nb)
    qa, qb = ha.sum() / n.sum(), hb.sum() / n.sum()
    diff, lo, hi = paired_ci(ha, hb, n, a.draws, a.seed)
    print(f"{len(n)} chains, {n.sum():,} evaluated residues")
    print(f"Q8 A {100 * qa:.2f}  B {100 * qb:.2f}  A-B {diff:+.2f} points "
          f"[95% CI {lo:+.2f}, {hi:+.2f}] (chain bootstrap, {a.draws} draws)")


if __name__ == "__main__":
    main()
