#!/usr/bin/env python
"""How much does the transition read the label state? One step given a fraction of the true labels.

    python scripts/context_probe.py --data ../shared/data/prottrans_netsurfp2_csv/CB513_HHblits.csv \
        [--model M] [--hidden 1,0.75,0.5,0.25,0.05] [--max-chains 100] [--repeats 4]

For each of the first chains with 8-state labels and each hidden fraction f: ``--repeats`` copies of the
chain, each hiding a random fraction f of the residues and showing the true 8-state label of the rest,
run through one noise-free transition (the first step of a chain: no upper-layer state yet). Prints, over
the hidden evaluated residues, the reconstruction's Q8 and its mean probability of the true label. f = 1 is
the x-only step every prediction chain starts with; small f is the nearly-shown state that late reveal
steps and Gibbs sweeps are in, where a reconstruction that reads the labels should be nearly certain
(a residue inside a helix whose neighbours are shown as helix).

Then the label grammar (``isolated_rates``): each residue hidden alone among all the true labels; over the
residues whose two neighbours are 3-state coil, the mean probability the step gives 3-state helix (H, G, I),
and over those between two helix residues, the mean probability of a non-helix label. In DSSP labels both
are (nearly) impossible (a helix is >= 3 residues, a one-residue break is rare), so each is the rate at which
a draw made in full context opens a spurious one-residue segment: what fragments the chain's samples.
Prints; asserts nothing.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F

import seqgsn
from seqgsn.alphabet import SS8, encode_sequence, encode_ss8, ss8_to_ss3
from seqgsn.data.training_set import read_entry
from seqgsn.errors import SeqGSNError
from seqgsn.model.gsn import N_LABELS
from seqgsn.model.noise import Noise


def one_step_probs(model, tokens, y) -> torch.Tensor:
    """tokens [L] long, y [R, 8, L] label states (one-hot where shown, zero where hidden) -> the first
    noise-free step's reconstruction [R, L, 8]. x is the same in every copy: its pathway runs once and
    is broadcast [1, C, L] -> [R, C, L]."""
    R, L = y.shape[0], tokens.shape[0]
    with torch.no_grad():
        ctx_h1, ctx_y, pad = (t.expand(R, -1, -1) for t in model.context(tokens.unsqueeze(0),
                                                                         torch.ones(1, L, dtype=torch.bool)))
        # every shown label is a true one: observed, for models whose state says so
        observed = y.sum(1, keepdim=True) if model.cfg.label_provenance else None
        logits, _ = model.transition(y, [None] * len(model.cfg.hidden), ctx_h1, ctx_y, pad, False,
                                     Noise(torch.Generator()), observed=observed)
    return logits.softmax(1).transpose(1, 2)


def hidden_scores(model, tokens, labels, keep, frac: float, repeats: int, gen) -> tuple:
    """tokens, labels [L] long (labels -1 = none), keep [L] bool (evaluated) -> (correct, sum p(true), n)
    over the hidden evaluated residues of ``repeats`` copies, each hiding a random fraction ``frac``."""
    L = tokens.shape[0]
    hide = torch.rand(repeats, L, generator=gen) < frac                                  # [R, L]
    if frac >= 1.0:
        hide[:] = True
    lab = labels.unsqueeze(0).repeat(repeats, 1)                                         # [R, L]
    shown = (~hide) & (lab >= 0)
    y = F.one_hot(lab.clamp_min(0), N_LABELS).transpose(1, 2).float() * shown.unsqueeze(1)  # [R, 8, L]
    prob = one_step_probs(model, tokens, y)                                              # [R, L, 8]
    scored = hide & keep.unsqueeze(0) & (lab >= 0)
    p_true = prob.gather(-1, lab.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    correct = (prob.argmax(-1) == lab) & scored
    return int(correct.sum()), float(p_true[scored].sum()), int(scored.sum())


HELIX = [SS8.index(c) for c in "HGI"]


def isolated_rates(model, tokens, labels: str) -> tuple:
    """tokens [L] long, labels: 8-state string (all labelled) -> (P(helix) at residues between two coil
    residues [n1], P(not helix) at residues between two helix residues [n2]), each residue hidden alone."""
    L = tokens.shape[0]
    lab = torch.as_tensor(encode_ss8(labels)).long()
    y = F.one_hot(lab, N_LABELS).transpose(0, 1).float().unsqueeze(0).repeat(L, 1, 1)   # [L copies, 8, L]
    y[torch.arange(L), :, torch.arange(L)] = 0                                            # copy i hides i
    p_helix = one_step_probs(model, tokens, y)[torch.arange(L), torch.arange(L)][:, HELIX].sum(-1).numpy()  # [L]
    s3 = np.array(list(ss8_to_ss3(labels)))
    inner = np.zeros(L, bool)
    inner[1:-1] = True
    left, right = np.roll(s3, 1), np.roll(s3, -1)
    coil, helix = inner & (left == "C") & (right == "C"), inner & (left == "H") & (right == "H")
    return p_helix[coil], 1 - p_helix[helix]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="labelled corpus with 8-state labels (PATH?split=... too)")
    ap.add_argument("--model", help="model file (default: the bundled model)")
    ap.add_argument("--hidden", default="1,0.75,0.5,0.25,0.05", help="hidden fractions f")
    ap.add_argument("--max-chains", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        run(a, ap)
    except SeqGSNError as e:                 # a missing file, a bad corpus: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def run(a, ap) -> None:
    refs = [r for r in read_entry(a.data) if r.ss8 is not None][: a.max_chains]
    if not refs:                             # the probe shows and scores 8-state labels (FLIP has 3-state only)
        ap.exit(2, f"{ap.prog}: error: needs chains with 8-state labels; {a.data} has none\n")
    model = seqgsn.load_model(a.model).model.eval()
    print(f"{len(refs)} chains, {a.repeats} copies each; one noise-free step given the true labels of the shown "
          f"residues; scored on the hidden evaluated residues")
    for frac in [float(f) for f in a.hidden.split(",")]:
        gen = torch.Generator().manual_seed(a.seed)
        c = p = n = 0
        for r in refs:
            got = hidden_scores(model, torch.as_tensor(encode_sequence(r.seq)).long(),
                                torch.as_tensor(encode_ss8(r.ss8)).long(), torch.as_tensor(r.eval_mask()),
                                frac, a.repeats, gen)
            c, p, n = c + got[0], p + got[1], n + got[2]
        print(f"  hidden {frac:4.2f}: Q8 {100 * c / max(n, 1):5.2f}, mean p(true label) {p / max(n, 1):.3f} "
              f"({n:,} residues)", flush=True)
    coil, helix = [], []
    for r in refs:
        if not set(r.ss8) <= set(SS8) or len(r.seq) > 2000:   # all labelled; L copies of L residues
            continue
        c_rates, h_rates = isolated_rates(model, torch.as_tensor(encode_sequence(r.seq)).long(), r.ss8)
        coil.append(c_rates)
        helix.append(h_rates)
    if not coil:                             # every chain has an unlabelled residue or is too long
        print("  grammar: no fully labelled chain of <= 2000 residues to hide residues in", flush=True)
        return
    coil, helix = np.concatenate(coil), np.concatenate(helix)
    print(f"  grammar, each residue hidden alone: P(helix | coil on both sides) {coil.mean():.4f} ({coil.size:,} "
          f"residues), P(not helix | helix on both sides) {helix.mean():.4f} ({helix.size:,})", flush=True)


if __name__ == "__main__":
    main()
