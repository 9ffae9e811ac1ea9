#!/usr/bin/env python
"""How far averaging several trained models' probabilities moves Q8 / Q3 on one labelled set.

    python scripts/ensemble_q8.py --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv \
        seqgsn/models/default.pt runs/ablation/model.pt ...

Each model predicts with its own default chain settings; the ensemble is the mean of their prob8 and its
argmax (3-state from the summed probabilities, as for one model). A set with 3-state labels only (NEW364)
gets Q3 (Q8 n/a). A study tool: it tells whether the gap to
an accuracy target is variance (which averaging removes) or missing information (which it does not).
Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import dataclasses

import numpy as np

import seqgsn
from seqgsn.alphabet import decode_ss8
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError
from seqgsn.evaluation import evaluate


def average(per_model: list) -> list:
    """[model][chain] Predictions -> [chain] Predictions whose prob8 is the models' mean."""
    out = []
    for preds in zip(*per_model):
        prob8 = np.mean([p.prob8 for p in preds], axis=0).astype(np.float32)
        out.append(dataclasses.replace(preds[0], prob8=prob8, ss8=decode_ss8(prob8.argmax(-1)),
                                       samples=None))
    return out


def pct(x) -> str:
    """A fraction as percent; None (no 8-state truth: a 3-state-only set) as n/a."""
    return "n/a" if x is None else f"{100 * x:.2f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="model files (two or more)")
    ap.add_argument("--data", required=True, help="labelled corpus (any format seqgsn reads; PATH?split=test)")
    a = ap.parse_args(argv)
    if len(a.models) < 2:                   # one model has no ensemble to compare it with
        ap.error(f"needs two or more model files, got {len(a.models)}")
    try:
        run(a)
    except SeqGSNError as e:                # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(a) -> None:
    refs = [r for r in read_entry(a.data) if (r.ss8 or r.ss3) is not None]
    per_model = []
    for path in a.models:
        preds = seqgsn.load_model(path).predict([r.as_record() for r in refs])
        m = evaluate(refs, preds, calibration=False, segments=False)
        print(f"{path}: Q8 {pct(m['q8'])}  Q3 {pct(m['q3'])}")
        per_model.append(preds)
    for k in range(2, len(per_model) + 1):
        m = evaluate(refs, average(per_model[:k]), calibration=False, segments=False)
        print(f"mean of the first {k}: Q8 {pct(m['q8'])}  Q3 {pct(m['q3'])}  "
              f"({m['n_residues8']:,} evaluated 8-state / {m['n_residues']:,} 3-state residues)")


if __name__ == "__main__":
    main()
