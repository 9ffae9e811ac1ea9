"""Terminal text of the generative experiments (:mod:`.experiments`, :mod:`.chain_experiments`).
"""
from __future__ import annotations


# ----------------------------------------------------------------------------- text report

def _p(x, w: int = 6) -> str:
    return f"{'n/a':>{w}}" if x is None else f"{100 * x:{w}.2f}"


def _n(x, w: int = 6, d: int = 2) -> str:
    return f"{'n/a':>{w}}" if x is None else f"{x:{w}.{d}f}"


def format_clamping(c: dict) -> str:
    """Table of :func:`clamp_experiment` (percent)."""
    out = [f"clamping: {c['n_chains']} chains, {c['n_residues']} evaluated residues; Q on FREE residues (%)",
           "  mode      fraction  clamped    free  Q8 clamped  Q8 unclamped  gain Q8 [95% CI]      "
           "Q3 clamped  gain Q3  next to a clamp: same label (clamped / unclamped)"]
    for r in c["rows"]:
        lo, hi = r["q8_gain_ci95"]
        ci = "" if lo is None else f"[{100 * lo:+.2f}, {100 * hi:+.2f}]"
        gain = "n/a" if r["q8_gain"] is None else f"{100 * r['q8_gain']:+.2f}"
        g3 = "n/a" if r["q3_gain"] is None else f"{100 * r['q3_gain']:+.2f}"
        out.append(f"  {r['mode']:<9} {r['fraction']:>8.2f} {r['n_clamped']:>8} {r['n_free']:>7}  "
                   f"{_p(r['q8_free'], 10)}  {_p(r['q8_free_unclamped'], 12)}  {gain:>6} {ci:<16}  "
                   f"{_p(r['q3_free'], 10)}  {g3:>7}  {_p(r['neighbour_agree'], 6)} / "
                   f"{_p(r['neighbour_agree_unclamped'], 6)}")
    return "\n".join(out)


# Q3 / SOV3 of an 8-state string need a 3-state string: said under every decoder table, because the
# argmax row (summed 3-state probabilities, as a plain `seqgsn evaluate`) and the others differ in it
DECODER_NOTE = ("  Q3/SOV3: argmax = argmax of the summed 3-state probabilities (as plain evaluate); "
                "other rows = 8->3 map (H,G,I->H; E,B->E; else C) of the 8-state string")


def _decoder_name(key: str) -> str:
    return key.replace("_8to3", " 8->3")


def format_samples(s: dict) -> str:
    """Tables of :func:`sample_experiment`."""
    out = [f"samples ({s.get('sampler', 'independent')} sampler): {s['n_samples']} per chain "
           f"(burn-in {s['burn_in']}, thin {s['thin']}), "
           f"{s['n_chains']} chains, {s['n_residues']} evaluated residues",
           f"  diversity (pairs of samples differing, per position): {_p(s['diversity']['pooled'], 0)}%"
           f"  (chain mean {_p(s['diversity']['chain_mean'], 0)}%)",
           f"  majority of samples agrees with argmax: {_p(s['majority_agreement']['argmax'], 0)}%"
           f", with segment decoding: "
           f"{_p(s['majority_agreement']['segment'], 0)}%",
           "", "  decoder          Q8      Q3    SOV3   too-short segments /100 res"]
    for name, d in s["decoders"].items():
        sd = f"  (Q8 sd over samples {_p(d['q8_sd'], 0)})" if "q8_sd" in d else ""
        out.append(f"  {_decoder_name(name):<13} {_p(d['q8'])}  {_p(d['q3'])}  {_p(d['sov3'])}  "
                   f"{_n(d['violations_per_100'], 8)}{sd}")
    out += [DECODER_NOTE, "", "  segment lengths (3-state): n segments, mean length, W1 to truth (residues)"]
    for cls, d in s["segments"].items():
        ts = d["truth_split"]
        out.append(f"  {cls}: truth {d['truth']['n_segments']} segs, mean {_n(d['truth']['mean'], 0)};"
                   f" truth-vs-truth split W1 {_n(ts['mean'], 0)} +- {_n(ts['sd'], 0)}"
                   f" (max {_n(ts['max'], 0)})")
        for name in ("samples", "argmax", "segment", "majority"):
            x = d[name]
            out.append(f"     {name:<9} {_n(x['n_segments'], 9, 1)} segs  mean {_n(x['mean'])}"
                       f"  W1 {_n(x['w1_vs_truth'])}")
    return "\n".join(out)


def format_chain(d: dict) -> str:
    """Tables of :func:`chain_diagnostics`."""
    out = [f"chain diagnostics: {d['n_chains']} chains, {d['n_residues']} residues, "
           f"noise {'on' if d['noise'] else 'off'}, model default steps {d['chain']['steps']} "
           f"burn-in {d['chain']['burn_in']}",
           "  steps  Q8 avg(b=0)  Q8 avg(b=1)  Q3 avg(b=0)  NLL8 avg(b=0)  Q8 step  mean p(H,E,C)"]
    for k in range(d["max_steps"]):
        mm = d["mean_marginal"][k]
        out.append(f"  {k + 1:>5}  {_p(d['q8_avg']['0'][k], 11)}  {_p(d['q8_avg']['1'][k], 11)}  "
                   f"{_p(d['q3_avg']['0'][k], 11)}  {_n(d['nll8_avg']['0'][k], 13, 4)}  "
                   f"{_p(d['q8_step'][k], 7)}  {mm['H']:.3f} {mm['E']:.3f} {mm['C']:.3f}")
    tf = d["truth_freq"]
    out.append(f"  truth class frequency H {tf['H']:.3f} E {tf['E']:.3f} C {tf['C']:.3f}")
    mx = d["mixing"]
    ac = " ".join("n/a" if v is None else f"{v:.3f}" for v in mx["autocorrelation"][1:6])
    out += [f"  mixing ({mx['n_chains']} chains x {mx['n_samples']} samples, thin 1): "
            f"ESS mean {_n(mx['ess']['mean'], 0, 1)} median {_n(mx['ess']['median'], 0, 1)} "
            f"min {_n(mx['ess']['min'], 0, 1)} (ESS/sample {_n(mx['ess_per_sample'], 0, 3)}); "
            f"stuck chains {mx['n_stuck']}",
            f"  autocorrelation of sampled one-hot labels, lags 1-5: {ac or 'n/a'}"]
    return "\n".join(out)


def format_calibration(c: dict) -> str:
    """Table of :func:`calibration_compare`."""
    out = [f"calibration comparison ({c['n_chains']} chains):",
           "  model                                     steps  noise     Q8     Q3    ECE8    ECE3  Brier8    NLL8"]
    for name, row in c["models"].items():
        ch = row["chain"]
        out.append(f"  {name[-40:]:<40} {ch['steps']:>6}  {str(ch['noise']):>5} {_p(row['q8'])} {_p(row['q3'])} "
                   f"{_n(row['ece8'], 7, 4)} {_n(row['ece3'], 7, 4)} {_n(row['brier8'], 7, 4)} {_n(row['nll8'], 7, 4)}")
    return "\n".join(out)


def format_generative_report(metrics: dict) -> str:
    """Text for whichever of ``decoding``, ``clamping``, ``generative`` (``samples``,
    ``chain``) and ``calibration_compare`` the dict ``metrics`` holds ('' if none)."""
    parts = []
    if metrics.get("decoding") and metrics["decoding"].get("comparison"):
        cmp_ = metrics["decoding"]["comparison"]
        lines = ["decoding of the same averaged marginals:",
                 "  decoder         Q8      Q3    SOV3   too-short segments /100 res"]
        for name, d in cmp_.items():
            lines.append(f"  {_decoder_name(name):<12} {_p(d['q8'])}  {_p(d['q3'])}  {_p(d['sov3'])}  "
                         f"{_n(d['violations_per_100'], 8)}")
        parts.append("\n".join(lines + [DECODER_NOTE]))
    if metrics.get("clamping"):
        parts.append(format_clamping(metrics["clamping"]))
    g = metrics.get("generative") or {}
    if g.get("samples"):
        parts.append(format_samples(g["samples"]))
    if g.get("samples_independent"):
        parts.append(format_samples(g["samples_independent"]))
    if g.get("chain"):
        parts.append(format_chain(g["chain"]))
    if metrics.get("calibration_compare"):
        parts.append(format_calibration(metrics["calibration_compare"]))
    return "\n\n".join(parts)
