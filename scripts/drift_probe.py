#!/usr/bin/env python
"""Does the chain keep a segment-like label state? Samples started from the argmax prediction drift.

    python scripts/drift_probe.py --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv \
        [--model M] [--groups 2] [--sweeps 1,4,8,16] [--max-chains 60] [--samples 10]

For each of the first chains with 8-state labels: the model's prediction (its default chain, seed 0),
then ``--samples`` chains started from that argmax state (``run_chain(start=...)``, no reveal sweep) and
as many started from the all-masked state (the usual reveal step), each run for S sweeps of ``--groups``
Gibbs-style steps. Prints the mean 3-state helix segment length over evaluated residues (truth, argmax,
both starts) for every S. A chain whose stationary distribution is segment-like keeps the argmax start's
helices; one whose equilibrium is fragmented drifts from there towards the masked start's number.
Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import seqgsn
from seqgsn.alphabet import SS8, encode_sequence, encode_ss8, ss8_to_ss3
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError
from seqgsn.evaluation import segments
from seqgsn.model.gsn import ChainSettings
from seqgsn.model.noise import Noise


def sampled_states(model, tokens, start, n: int, groups: int, sweeps: int, seed: int) -> list:
    """tokens [L] int, start [n, L] int or None (all-masked start) -> n label strings: the final states."""
    tok = tokens.unsqueeze(0).repeat(n, 1)
    mask = torch.ones_like(tok, dtype=torch.bool)
    gen = torch.Generator().manual_seed(seed)
    if start is None:
        cs, kw = ChainSettings(1 + groups * sweeps, mode="predict", reveal=1, groups=groups), {}
    else:
        cs, kw = ChainSettings(groups * sweeps, mode="predict", reveal=0, groups=groups), {"start": start}
    with torch.no_grad():
        out = model.run_chain(tok, mask, cs, Noise.shared(gen), **kw)
    return ["".join(SS8[i] for i in s.tolist()) for s in out.samples[-1]]


def helix_runs(labels: str, keep) -> list:
    """8-state labels -> lengths of the 3-state helix segments over the evaluated residues (``keep``)."""
    return segments(ss8_to_ss3("".join(c for c, k in zip(labels, keep) if k)), "H")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="labelled corpus with 8-state labels (PATH?split=... too)")
    ap.add_argument("--model", help="model file (default: the bundled model)")
    ap.add_argument("--groups", type=int, default=2)
    ap.add_argument("--sweeps", default="1,4,8,16")
    ap.add_argument("--max-chains", type=int, default=60)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        run(a, ap)
    except SeqGSNError as e:                 # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(a, ap) -> None:
    refs = [r for r in read_entry(a.data) if r.ss8 is not None][: a.max_chains]
    if not refs:                             # truth lengths come from 8-state labels (FLIP has 3-state only)
        ap.exit(2, f"{ap.prog}: error: needs chains with 8-state labels; {a.data} has none\n")
    predictor = seqgsn.load_model(a.model)
    model = predictor.model.eval()
    preds = predictor.predict([r.as_record() for r in refs], seed=a.seed)
    truth, argmax, inputs = [], [], []
    for ref, p in zip(refs, preds):
        keep = ref.eval_mask()
        truth += helix_runs(ref.ss8, keep)
        argmax += helix_runs(p.ss8, keep)
        start = torch.as_tensor(encode_ss8(p.ss8)).unsqueeze(0).repeat(a.samples, 1)      # [samples, L]
        inputs.append((keep, torch.as_tensor(encode_sequence(ref.seq)), start))
    print(f"{len(refs)} chains x {a.samples} samples, {a.groups} groups per sweep; mean H segment length: "
          f"truth {np.mean(truth):.2f}, argmax {np.mean(argmax):.2f}")
    for sweeps in [int(s) for s in a.sweeps.split(",")]:
        t0, lens = time.time(), {"argmax start": [], "all-masked start": []}
        for keep, tokens, start in inputs:
            for name, st in (("argmax start", start), ("all-masked start", None)):
                for s in sampled_states(model, tokens, st, a.samples, a.groups, sweeps, a.seed):
                    lens[name] += helix_runs(s, keep)
        print(f"  after {sweeps:3d} sweeps: " + ", ".join(f"{k} {np.mean(v):.2f}" for k, v in lens.items())
              + f"  ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
