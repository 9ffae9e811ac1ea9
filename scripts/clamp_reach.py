#!/usr/bin/env python
"""How far can a clamp's information reach? Segment clamps as ``chain_study.py`` draws them, by distance band.

    python scripts/clamp_reach.py --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv [--model M]

Per band of distance to the nearest clamped residue (1, 2-3, 4-7, 8+), over free evaluated residues:
* share: of the free residues;
* copy: how often the true label equals the nearest clamp's (the label grammar's reach, model-free);
* model: the chain's free-residue Q8 gain from clamping (as ``chain_study.py``);
* table: the gain of the best lookup rule from (unclamped argmax, nearest clamp's label, band) to a label,
  fitted on the same residues it scores. In-sample, so optimistic: an estimate of what the nearest
  clamp's label adds to the model's own prediction, which a perfect use of that one label would reach;
* left: the same rule fitted on (clamped prediction, nearest clamp's label): what the chain leaves unused;
* comp: the rule from (unclamped label, the chain's clamped H and E fractions in fifths), in-sample: what
  the known labels' composition (an all-alpha or alpha/beta chain) says about residues far from them.
Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np

import seqgsn
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError

from chain_study import BANDS, band_of, clamps_for, nearest_clamp   # scripts/ is on sys.path as a script


def reach_rows(refs, base, clamped, clamps) -> dict:
    """-> band -> dict(n, copy, model, table, left, comp) as fractions (gains in Q8 points / 100)."""
    rows = defaultdict(list)              # band -> [(truth, unclamped, clamped, nearest clamp label, composition)]
    for r, b, c in zip(refs, base, clamped):
        cl = clamps[r.id]
        idx = np.flatnonzero([x != "-" for x in cl])
        if not len(idx):
            continue
        (d, at), keep = nearest_clamp(cl), r.eval_mask()
        known = [cl[j] for j in idx]
        comp = tuple(min(int(5 * sum(x in k for x in known) / len(known)), 4) for k in ("HGI", "EB"))
        for i in np.flatnonzero(keep & (d > 0)):
            rows[band_of(int(d[i]))].append((r.ss8[i], b.ss8[i], c.ss8[i], cl[at[i]], comp))
    total = sum(len(v) for v in rows.values())
    out = {}
    for band in BANDS:
        v = rows.get(band, [])
        n = max(len(v), 1)
        cells, after, by_comp = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
        for t, u, c, near, comp in v:
            cells[(u, near)][t] += 1
            after[(c, near)][t] += 1
            by_comp[(u, comp)][t] += 1
        best, best_after, best_comp = (sum(c.most_common(1)[0][1] for c in cell.values())
                                       for cell in (cells, after, by_comp))
        base_ok = sum(t == u for t, u, *_ in v)
        chain_ok = sum(t == c for t, _, c, *_ in v)
        out[band] = {"n": len(v) / max(total, 1), "copy": sum(t == near for t, _, _, near, _ in v) / n,
                     "model": (chain_ok - base_ok) / n, "table": (best - base_ok) / n, "left": (best_after - chain_ok) / n,
                     "comp": (best_comp - base_ok) / n}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the bundled model)")
    ap.add_argument("--data", required=True, help="labelled corpus with 8-state labels (PATH?split=... too)")
    ap.add_argument("--kind", default="segments", choices=["segments", "random"])
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        run(args, ap)
    except SeqGSNError as e:                 # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(args, ap) -> None:
    refs = [r for r in read_entry(args.data) if r.ss8 is not None and r.eval_mask().any()]
    if not refs:                             # clamps and scores are 8-state labels (FLIP has 3-state only)
        ap.exit(2, f"{ap.prog}: error: needs chains with 8-state labels; {args.data} has none\n")
    recs = [r.as_record() for r in refs]
    predictor = seqgsn.load_model(args.model, precision=args.precision)
    clamps = clamps_for(refs, args.kind, np.random.default_rng(args.seed))
    base = predictor.predict(recs, seed=args.seed)
    clamped = predictor.predict(recs, clamps=clamps, seed=args.seed)
    rows = reach_rows(refs, base, clamped, clamps)
    print(f"{len(refs)} chains, {args.kind} clamps (25%); per band of distance to the nearest clamp:")
    for (lo, hi), v in rows.items():
        name = f"{lo}+" if hi > 100 else (f"{lo}" if lo == hi else f"{lo}-{hi}")
        print(f"  {name:>4}: share {100 * v['n']:5.1f}%  copy {100 * v['copy']:5.1f}%  model gain "
              f"{100 * v['model']:+6.2f}  table gain (in-sample) {100 * v['table']:+6.2f}  left {100 * v['left']:+5.2f}"
              f"  comp {100 * v['comp']:+5.2f}")
    tot = {k: sum(v["n"] * v[k] for v in rows.values()) for k in ("model", "table", "left", "comp")}
    print(f"  all free residues: model gain {100 * tot['model']:+.2f}, table gain (in-sample) {100 * tot['table']:+.2f}, "
          f"left {100 * tot['left']:+.2f}, comp {100 * tot['comp']:+.2f}")


if __name__ == "__main__":
    main()
