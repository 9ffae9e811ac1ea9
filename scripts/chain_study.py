#!/usr/bin/env python
"""Does the chain do the work? The chain issue's measurements on one labelled set, printed with
paired chain-bootstrap 95% CIs (2,000 draws, seeded; residues of one chain move together).

    python scripts/chain_study.py --model seqgsn/models/default.pt \
        --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv [--ablation runs/ablation/model.pt]

1. chain vs the average of K independent one-step passes (``steps=1, burn_in=0``, seeds 0..K-1,
   probabilities averaged; K = the model's chain steps): Q8 and SOV3.
2. (--ablation) the GSN vs its deterministic ablation: Q8 and SOV3.
3. the chain's own samples (``sampler='independent'``, ``--samples`` per chain, first ``--sample-chains``
   chains; ``--sample-reveal R --sample-restart``: each sample its own chain through an R-step reveal sweep): mean 3-state H segment length (truth, argmax, samples), H and E segment-length W1 to the
   truth, and how often the per-position majority of the samples equals ``predict``'s ss8.
4. clamping through the chain: free-residue Q8 gain with 25% of evaluated residues clamped at random,
   and with contiguous 5-15-residue segments covering about 25%; and that gain by distance to the nearest
   clamped residue (1, 2-3, 4-7, 8+), which shows how far the clamps' information travels.
Only evaluated residues count (``eval_mask``). The bootstrap is ``scripts/paired_q8.py``'s. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import yaml

import seqgsn
from seqgsn.alphabet import SS8, ss8_to_ss3
from seqgsn.config import config_from_dict, config_to_dict
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError
from seqgsn.evaluation import evaluate, majority_vote, segments, wasserstein1
from seqgsn.records import Prediction

from paired_q8 import paired_ci as ci   # scripts/ is on sys.path when run as a script


def per_chain(refs, preds) -> dict:
    """-> arrays per chain: correct8, n8 (evaluated), sov3 * n (SOV weighted as ``evaluate``), n."""
    rows = evaluate(refs, preds, calibration=False, segments=False)["per_chain"]
    return {"c8": np.array([r["correct8"] for r in rows], float), "n8": np.array([r["n_residues8"] for r in rows], float),
            "sovn": np.array([(r["sov3"] or 0.0) * r["n_residues"] for r in rows], float),
            "n": np.array([r["n_residues"] for r in rows], float)}


def compare(name: str, a: dict, b: dict, args) -> None:
    q = ci(a["c8"], b["c8"], a["n8"], args.draws, args.seed)
    s = ci(a["sovn"], b["sovn"], a["n"], args.draws, args.seed)
    print(f"{name}: Q8 {100 * a['c8'].sum() / a['n8'].sum():.2f} vs {100 * b['c8'].sum() / b['n8'].sum():.2f} "
          f"= {q[0]:+.2f} [{q[1]:+.2f}, {q[2]:+.2f}]; SOV3 {100 * a['sovn'].sum() / a['n'].sum():.2f} vs "
          f"{100 * b['sovn'].sum() / b['n'].sum():.2f} = {s[0]:+.2f} [{s[1]:+.2f}, {s[2]:+.2f}]", flush=True)


def averaged(predictor, records, k: int) -> list:
    """Mean prob8 of k independent one-step passes (seeds 0..k-1) -> Predictions."""
    runs = [predictor.predict(records, steps=1, burn_in=0, seed=s) for s in range(k)]
    out = []
    for i, r in enumerate(records):
        p = np.mean([run[i].prob8 for run in runs], 0)
        out.append(Prediction(r.id, r.seq, "".join(SS8[j] for j in p.argmax(-1)), p.astype(np.float32)))
    return out


def eval_only(ref, labels: str) -> str:
    keep = ref.eval_mask()
    return "".join(c for c, k in zip(labels, keep) if k)


def samples_study(predictor, refs, preds, args) -> None:
    chosen = refs[: args.sample_chains]
    recs = [r.as_record() for r in chosen]
    t0 = time.time()
    drawn = predictor.sample(recs, n=args.samples, seed=args.seed, sampler="independent",
                             reveal=args.sample_reveal, restart=args.sample_restart, draws=args.sample_draws,
                             groups=args.sample_groups, burn_in=args.sample_burn_in)
    lens = {k: {"truth": [], "argmax": [], "samples": []} for k in "HE"}
    agree = total = 0
    by_id = {p.id: p for p in preds}
    for ref, d in zip(chosen, drawn):
        truth3 = ss8_to_ss3(eval_only(ref, ref.ss8))
        arg3 = ss8_to_ss3(eval_only(ref, by_id[ref.id].ss8))
        smp3 = [ss8_to_ss3(eval_only(ref, s)) for s in d.samples]
        for k in "HE":
            lens[k]["truth"] += segments(truth3, k)
            lens[k]["argmax"] += segments(arg3, k)
            for s in smp3:
                lens[k]["samples"] += segments(s, k)
        maj = eval_only(ref, majority_vote(d.samples))
        pred8 = eval_only(ref, by_id[ref.id].ss8)
        agree += sum(a == b for a, b in zip(maj, pred8))
        total += len(pred8)
    reveal, groups, burn_in, _ = predictor.sample_steps(args.sample_reveal, args.sample_groups, args.sample_burn_in)
    how = (f"reveal {reveal}, then {burn_in} steps of {groups} groups"
           + (", each sample its own chain" if args.sample_restart else ", one chain")
           + f", draws {'observed' if predictor.resolve_draws(args.sample_draws) else 'guessed'}")
    print(f"samples ({len(chosen)} chains x {args.samples}, independent sampler, {how}, {time.time() - t0:.0f} s):")
    mh = {k: np.mean(v) for k, v in lens["H"].items()}
    print(f"  mean H segment length: truth {mh['truth']:.2f}, argmax {mh['argmax']:.2f}, samples {mh['samples']:.2f} "
          f"({100 * (mh['samples'] / mh['truth'] - 1):+.0f}% vs truth)")
    for k in "HE":
        print(f"  {k} segment-length W1 to truth: argmax {wasserstein1(lens[k]['argmax'], lens[k]['truth']):.2f}, "
              f"samples {wasserstein1(lens[k]['samples'], lens[k]['truth']):.2f}")
    print(f"  per-position majority of samples == predict's ss8: {100 * agree / total:.1f}% of residues", flush=True)


def clamps_for(refs, kind: str, rng) -> dict:
    """id -> clamp string ('-' free) covering about 25% of each chain's evaluated residues."""
    out = {}
    for r in refs:
        keep = r.eval_mask()
        L = len(r.seq)
        on = np.zeros(L, bool)
        if kind == "random":
            on = keep & (rng.random(L) < 0.25)
        else:
            target = 0.25 * keep.sum()
            tries = 0
            while on[keep].sum() < target and tries < 200:
                n = int(rng.integers(5, 16))
                s = int(rng.integers(0, max(1, L - n + 1)))
                on[s:s + n] = True
                tries += 1
            on &= keep
        out[r.id] = "".join(c if o else "-" for c, o in zip(r.ss8, on))
    return out


def free_counts(refs, preds, clamps) -> dict:
    c, n = [], []
    for r, p in zip(refs, preds):
        free = r.eval_mask() & np.array([ch == "-" for ch in clamps[r.id]])
        c.append(sum(a == b for a, b, f in zip(p.ss8, r.ss8, free) if f))
        n.append(int(free.sum()))
    return {"c": np.array(c, float), "n": np.array(n, float)}


def nearest_clamp(clamp: str):
    """Clamp string -> ([L] distance to the nearest clamped position (0 if clamped), [L] that position);
    no clamp at all: distances int64 max, positions -1."""
    idx = np.flatnonzero([c != "-" for c in clamp])
    if not len(idx):
        return np.full(len(clamp), np.iinfo(np.int64).max), np.full(len(clamp), -1)
    pos = np.arange(len(clamp))
    left = idx[np.clip(np.searchsorted(idx, pos), 1, len(idx)) - 1]          # nearest at or before, else first
    right = idx[np.minimum(np.searchsorted(idx, pos), len(idx) - 1)]          # nearest at or after, else last
    near = np.where(np.abs(pos - left) <= np.abs(right - pos), left, right)
    return np.abs(pos - near), near


def clamp_distance(clamp: str) -> np.ndarray:
    """Clamp string -> [L] distance (residues) from each position to the nearest clamped one (0 if clamped)."""
    return nearest_clamp(clamp)[0]


BANDS = ((1, 1), (2, 3), (4, 7), (8, 10 ** 9))


def band_of(d: int):
    return next(b for b in BANDS if b[0] <= d <= b[1])


def gain_by_distance(refs, clamped, base, clamps) -> str:
    """Free-residue Q8 gain by distance to the nearest clamped residue: where clamps' information reaches."""
    hit = {b: [0, 0, 0] for b in BANDS}                 # band -> [n, correct clamped, correct unclamped]
    for r, a, b in zip(refs, clamped, base):
        d = clamp_distance(clamps[r.id])
        keep = r.eval_mask()
        for i, (t, x, y) in enumerate(zip(r.ss8, a.ss8, b.ss8)):
            if keep[i] and d[i] > 0:
                band = band_of(d[i])
                hit[band][0] += 1
                hit[band][1] += x == t
                hit[band][2] += y == t
    parts = [f"{lo}{'+' if hi > 100 else '' if lo == hi else f'-{hi}'}: {100 * (c - u) / max(n, 1):+.2f} "
             f"({100 * n / max(sum(v[0] for v in hit.values()), 1):.0f}%)" for (lo, hi), (n, c, u) in hit.items()]
    return "gain by distance to the nearest clamp (share of free residues): " + ", ".join(parts)


def clamp_study(predictor, refs, base, args) -> None:
    recs = [r.as_record() for r in refs]
    for kind in ("random", "segments"):
        cl = clamps_for(refs, kind, np.random.default_rng(args.seed))
        got = predictor.predict(recs, clamps=cl, seed=args.seed)
        a, b = free_counts(refs, got, cl), free_counts(refs, base, cl)
        d = ci(a["c"], b["c"], a["n"], args.draws, args.seed)
        print(f"clamping 25% ({kind}): free-residue Q8 {100 * a['c'].sum() / a['n'].sum():.2f} vs unclamped "
              f"{100 * b['c'].sum() / b['n'].sum():.2f} = {d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}] "
              f"({int(a['n'].sum()):,} free residues)", flush=True)
        print("  " + gain_by_distance(refs, got, base, cl), flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the bundled model)")
    ap.add_argument("--data", required=True, help="labelled corpus (any format seqgsn reads)")
    ap.add_argument("--ablation", default=None, help="deterministic ablation model file")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--sample-chains", type=int, default=150)
    ap.add_argument("--sample-reveal", type=int, default=None, help="samples: reveal-sweep steps (default: the model's)")
    ap.add_argument("--sample-groups", type=int, default=None, help="samples: groups per Gibbs sweep")
    ap.add_argument("--sample-burn-in", type=int, default=None, help="samples: steps after the reveal sweep")
    ap.add_argument("--sample-draws", choices=["observed", "guessed"], default=None,
                    help="samples: how the chain shows its draws (provenance models; default: the API's)")
    ap.add_argument("--sample-restart", action="store_true", help="samples: every sample its own chain")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-chains", type=int, default=0, help="first N chains only (0 = all)")
    ap.add_argument("--chain", default="", help="override chain settings, e.g. reveal=8,groups=2,steps=10")
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                    help="as load_model (auto: fp32 on a CPU, bf16 on a bf16 CUDA GPU)")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: independent,samples,clamps")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    if skip - set(PARTS):                    # a misspelt part would silently run (and cost its minutes)
        ap.error(f"--skip: unknown part(s) {', '.join(sorted(skip - set(PARTS)))} (valid: {', '.join(PARTS)})")
    try:
        overrides = chain_overrides(args.chain)
    except ValueError as e:
        ap.error(str(e))
    try:
        run(args, skip, overrides, ap)
    except SeqGSNError as e:                 # a missing file, an unknown --chain key, a setting the model
        ap.exit(2, f"{ap.prog}: error: {e}\n")   # cannot run: one line, not a traceback


PARTS = ("independent", "samples", "clamps")


def chain_overrides(text: str) -> dict:
    """'reveal=8,groups=2,noise=false' -> {key: value}, values read as YAML scalars (as in a config file)."""
    out = {}
    for item in filter(None, text.split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"--chain: expected KEY=VALUE pairs, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def with_chain(predictor, overrides: dict, source: str = "--chain") -> None:
    """Apply chain overrides through the config reader, so an unknown key or a bad value is a ConfigError
    naming the known keys, as in a config file."""
    d = config_to_dict(predictor.cfg)
    d["chain"].update(overrides)
    predictor.cfg = config_from_dict(d, source)


def run(args, skip: set, overrides: dict, ap) -> None:
    refs = [r for r in read_entry(args.data) if r.ss8 is not None and r.eval_mask().any()]
    if not refs:                                 # every part below scores 8-state labels (FLIP has 3-state only)
        ap.exit(2, f"{ap.prog}: error: needs chains with 8-state labels; {args.data} has none\n")
    if args.max_chains:
        refs = refs[: args.max_chains]
    records = [r.as_record() for r in refs]
    predictor = seqgsn.load_model(args.model, precision=args.precision)
    if overrides:
        with_chain(predictor, overrides)
    if "samples" not in skip:
        predictor.resolve_draws(args.sample_draws)   # fail now, not after the other parts' minutes
    ch = predictor.chain
    print(f"{len(refs)} chains; chain: steps {ch.steps}, burn-in {ch.burn_in}, reveal {ch.reveal}, groups {ch.groups}, "
          f"precision {ch.precision}", flush=True)
    preds = predictor.predict(records, seed=args.seed)
    gsn = per_chain(refs, preds)
    if "independent" not in skip:
        compare(f"1. chain vs mean of {ch.steps} independent one-step passes", gsn,
                per_chain(refs, averaged(predictor, records, ch.steps)), args)
    if args.ablation:
        abl = seqgsn.load_model(args.ablation, precision=args.precision)
        compare("2. GSN vs deterministic ablation", gsn, per_chain(refs, abl.predict(records, seed=args.seed)), args)
    if "samples" not in skip:
        samples_study(predictor, refs, preds, args)
    if "clamps" not in skip:
        clamp_study(predictor, refs, preds, args)


if __name__ == "__main__":
    main()
