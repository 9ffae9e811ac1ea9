#!/usr/bin/env python
"""Where prediction time goes: wall time of ``Predictor.predict`` split into the x-pathway (backbone,
once per sequence), the per-record noise draws, and the rest (chain steps: transition convolutions,
tanh, label draws, the marginal estimator). Prints; asserts nothing.

    python scripts/profile_predict.py --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv \
        [--model M] [--threads 2] [--steps K]

The parts are timed by wrapping ``SeqGSN.context`` and ``Noise._draw`` (perf_counter around each call,
after one untimed warm-up pass); the ceiling line is the throughput if everything but the backbone cost
nothing.
"""
from __future__ import annotations

import argparse
import time

import torch

import seqgsn
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError
from seqgsn.model.gsn import SeqGSN
from seqgsn.model.noise import Noise


def timed(cls, name: str, spent: dict) -> None:
    orig = getattr(cls, name)

    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    setattr(cls, name, wrapper)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None, help="chain steps (default: the model's)")
    a = ap.parse_args(argv)
    try:
        run(a)
    except SeqGSNError as e:                # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(a) -> None:
    torch.set_num_threads(a.threads)
    recs = [r.as_record() for r in read_entry(a.data)]
    n_res = sum(len(r.seq) for r in recs)
    pred = seqgsn.load_model(a.model, steps=a.steps, precision="fp32")
    pred.predict(recs[:50])                                  # warm-up (oneDNN primitive cache)
    spent: dict = {}
    timed(SeqGSN, "context", spent)
    timed(Noise, "_draw", spent)
    t = time.perf_counter()
    pred.predict(recs)
    wall = time.perf_counter() - t
    bb, nz = spent.get("context", 0.0), spent.get("_draw", 0.0)
    print(f"{len(recs)} chains, {n_res:,} residues, {a.threads} threads, chain steps {pred.chain.steps}, fp32")
    print(f"predict: {wall:.2f} s = {n_res / wall:,.0f} residues/s")
    for name, s in (("x-pathway (backbone)", bb), ("per-record noise", nz), ("chain steps and the rest", wall - bb - nz)):
        print(f"  {name:<26} {s:6.2f} s  {100 * s / wall:4.0f}%")
    print(f"ceiling with everything but the backbone free: {n_res / bb:,.0f} residues/s")


if __name__ == "__main__":
    main()
