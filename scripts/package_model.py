#!/usr/bin/env python
"""Package a trained run as the bundled default model, with its model card.

    python scripts/package_model.py --run runs/default --cb513 runs/default/cb513.json \
        [--new364 runs/default/new364.json] --ablation-run runs/ablation --ablation-cb513 runs/ablation/cb513.json \
        [--ablation-new364 runs/ablation/new364.json] [--steps K --burn-in B]

Copies <run>/model.pt to seqgsn/models/default.pt with the CB513 numbers added to its
``metrics`` (so `seqgsn.load_model().metrics` carries them), and writes
seqgsn/models/default.json (config, training data, metrics) and seqgsn/models/MODEL_CARD.md.
Numbers are read from the evaluation JSON files written by `seqgsn evaluate --json`; nothing is typed in.
A --cb513 / --ablation-cb513 JSON must have scored all of CB513: its ``data`` names a CB513 file and it was
not limited by ``--max-chains``; anything else is refused unless --allow-cb513-subset is given, and then the
card calls it a subset. The card's CB513 line always gives the chain and residue counts.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from seqgsn.errors import SeqGSNError
from seqgsn.model.checkpoint import read_dict, save_dict, upgrade
from seqgsn.training.summary import frac, selection_score

KEYS = ("q8", "q3", "sov3", "q8_chain_mean", "q3_chain_mean", "n_chains", "n_residues")


def _summary(m: dict) -> dict:
    out = {k: m[k] for k in KEYS if k in m}
    if "calibration" in m:
        out.update({k: m["calibration"][k] for k in ("ece8", "ece3", "brier8", "brier3")
                    if k in m["calibration"]})
    out["chain"] = m.get("chain")
    return out


def _history(run: Path) -> list:
    p = run / "metrics.jsonl"
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


def cb513_problem(m: dict):
    """Why an evaluate JSON is not a score on all of CB513 (None when it is)."""
    data = m.get("data")
    if data is None:
        return "does not say which data it scored (no 'data' key)"
    if "cb513" not in Path(str(data).partition("?")[0]).name.lower():
        return f"scored {data}, not a CB513 file"
    if m.get("max_chains"):
        return f"scored only the first {m['max_chains']} chains (--max-chains)"
    return None


def _read_json(ap, flag: str, path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:        # missing file, not JSON: one line, not a traceback
        ap.error(f"{flag} {path}: {getattr(e, 'strerror', None) or e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, type=Path, help="the trained run folder (its model.pt, metrics.jsonl)")
    ap.add_argument("--cb513", required=True, type=Path, help="evaluate JSON of the run on all of CB513")
    ap.add_argument("--ablation-run", type=Path)
    ap.add_argument("--ablation-cb513", type=Path, help="evaluate JSON of the ablation on all of CB513")
    ap.add_argument("--new364", type=Path, help="evaluate JSON of the run on FLIP's test split (3-state)")
    ap.add_argument("--ablation-new364", type=Path)
    ap.add_argument("--steps", type=int, help="chain steps stored in the packaged model (default: the run's)")
    ap.add_argument("--burn-in", type=int, help="chain burn-in stored in the packaged model (default: the run's)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "seqgsn" / "models")
    ap.add_argument("--allow-cb513-subset", action="store_true",
                    help="accept CB513 JSONs that scored other data or a subset (the card then says so)")
    a = ap.parse_args(argv)
    try:
        package(a, ap)
    except SeqGSNError as e:                  # a missing or foreign model file: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")


def _cb513_summary(m: dict) -> dict:
    """_summary, plus ``not_all_cb513`` (why) when the JSON did not score all of CB513 (--allow-cb513-subset)."""
    out = _summary(m)
    why = cb513_problem(m)
    if why:
        out["not_all_cb513"] = why
    return out


def package(a, ap) -> None:
    cb513 = {}
    for flag, path in (("--cb513", a.cb513), ("--ablation-cb513", a.ablation_cb513)):
        if path is None:
            continue
        m = cb513[flag] = _read_json(ap, flag, path)
        why = cb513_problem(m)
        # The card labels these numbers "CB513": a JSON of 8 toy chains must not pass as the benchmark.
        if why and not a.allow_cb513_subset:
            ap.error(f"{flag} {path} {why} ({m.get('n_chains')} chains); evaluate on all of CB513, "
                     "or pass --allow-cb513-subset")

    d = upgrade(read_dict(a.run / "model.pt"))
    # Prediction-time chain settings are not learned: they may be set here, but the CB513 numbers
    # must have been measured with exactly the settings that ship.
    chain = d["config"]["chain"]
    if a.steps is not None:
        chain["steps"] = a.steps
    if a.burn_in is not None:
        chain["burn_in"] = a.burn_in
    cb = _cb513_summary(cb513["--cb513"])
    ran = cb.get("chain") or {}
    if (ran.get("steps"), ran.get("burn_in")) != (chain["steps"], chain["burn_in"]):
        raise SystemExit(f"{a.cb513} was measured with chain {ran}, the package ships steps={chain['steps']} "
                         f"burn_in={chain['burn_in']}: evaluate with the shipped settings first")
    hist = _history(a.run)
    best = max(hist, key=selection_score) if hist else {}      # the epoch the trainer kept
    metrics = {"validation": {k: best.get(k) for k in ("epoch", "val_q8", "val_q3", "minutes")},
               "cb513": cb, "train_minutes": hist[-1]["minutes"] if hist else None}
    for stage in ("calibration", "pairwise"):          # the post-walkback stages' own records
        if (d.get("metrics") or {}).get(stage):
            metrics[stage] = d["metrics"][stage]
    for key, flag, path in (("new364", "--new364", a.new364), ("ablation_new364", "--ablation-new364", a.ablation_new364)):
        if path:
            metrics[key] = _summary(_read_json(ap, flag, path))
    if a.ablation_cb513:
        metrics["ablation_cb513"] = _cb513_summary(cb513["--ablation-cb513"])
        ah = _history(a.ablation_run) if a.ablation_run else []
        metrics["ablation_train_minutes"] = ah[-1]["minutes"] if ah else None
    d["metrics"] = metrics
    a.out.mkdir(parents=True, exist_ok=True)
    save_dict(a.out / "default.pt", d)
    card = {"config": d["config"], "training_data": d.get("meta", {}).get("training_data"),
            "metrics": metrics, "package_version": d["package_version"], "format_version": d["format_version"]}
    (a.out / "default.json").write_text(json.dumps(card, indent=1))
    (a.out / "MODEL_CARD.md").write_text(render_card(card))
    print(json.dumps(metrics, indent=1))


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}"


def _dedupe_lines(dd) -> list:
    """The twin-merge rule of the training data (data descriptions written since the merge existed)."""
    if not isinstance(dd, dict) or "rule" not in dd:
        return []
    near = (f"; near-identical = identity >= {dd.get('identity')} over >= {dd.get('coverage')} of both chains"
            if dd.get("near") else "")
    return [f"- twins merged before the split ({dd.get('identical_removed')} identical, "
            f"{dd.get('near_identical_removed')} near-identical chains removed): {dd['rule']}{near}"]


# As ../shared/data/MANIFEST.md states them (data/README.md has the sources).
LICENCES = {
    "pisces_pdb2018": "none stated by the host repository; the data derive from the PDB (CC0)",
    "scratch1d_sspro": "none stated by the host repository (SCRATCH-1D, Magnan & Baldi)",
    "icml2014_cb6133filtered": "MIT (host repository idrori/cu-ssp)",
    "flip_secondary_structure/splits.zip": "AFL-3.0 (FLIP; NetSurfP-2.0 data, article CC-BY-4.0)",
    "tianchi2020": "none stated, unclear provenance: research only, never in a shipped model",
}


# Corpora read by seqgsn but left out of the bundled recipe, and why (docs/results.md).
NOT_USED = {
    "pisces_pdb2018": "adding it lowered CB513 Q8 and NEW364 Q3 at equal budget (docs/results.md, Data)",
    "icml2014_cb6133filtered": "adding it lowered CB513 Q8 and NEW364 Q3 at equal budget (docs/results.md, Data)",
    "tianchi2020": "its licence: it may be used for research, never shipped",
}


def render_card(card: dict) -> str:
    m, td, cfg = card["metrics"], card["training_data"] or {}, card["config"]
    cb, ab = m["cb513"], m.get("ablation_cb513", {})
    lines = [
        "# seqgsn default model", "",
        "Convolutional GSN for DSSP 8-state secondary structure from single sequences.",
        f"Format version {card['format_version']}, written by seqgsn {card['package_version']}.", "",
        "## Training data",
        f"- corpora: {', '.join(c['entry'] for c in td.get('corpora', []))}",
    ]
    for c in td.get("corpora", []):
        lines.append(f"  - {c['entry']}: {c['chains']} chains, {c.get('removed', 0)} removed by the test-set "
                     f"filter, {c['kept']} kept"
                     + (f", {c['after_dedupe']} after merging twins ({c.get('identical_removed', 0)} identical, "
                        f"{c.get('near_identical_removed', 0)} near-identical removed)" if "after_dedupe" in c else ""))
    lines += [f"  - licence of {e}: {LICENCES[e]}" for e in dict.fromkeys(
        c["entry"].partition("?")[0] for c in td.get("corpora", [])) if e in LICENCES]
    used = {c["entry"].partition("?")[0] for c in td.get("corpora", [])}
    lines += [f"- not in this model: {e} (licence: {lic}; why: {NOT_USED[e]})"
              for e, lic in LICENCES.items() if e not in used and e in NOT_USED]
    lines += [
        f"- filter: {td.get('filter_tool')}; removed every training chain with identity >= "
        f"{td.get('filter_identity')} over coverage >= {td.get('filter_coverage')} of either chain to any chain of "
        f"{', '.join(td.get('filter_against', []))} ({td.get('test_chains')} chains)",
        *_dedupe_lines(td.get("dedupe")),
        f"- after dedupe and a cluster split (30% identity clusters): train {td.get('train_chains')} chains / "
        f"{td.get('train_residues')} residues, validation {td.get('val_chains')} chains", "",
        "## Metrics",
        f"CB513 (ProtTrans/NetSurfP CSV; residues with disorder == 1 and cb513_mask == 1; {cb.get('n_chains')} chains / "
        f"{cb.get('n_residues')} residues), single-sequence input:", "",
        *[f"**Not all of CB513**: the {who} row {x['not_all_cb513']}." for who, x in (("GSN", cb), ("ablation", ab))
          if x.get("not_all_cb513")],
        *([""] if cb.get("not_all_cb513") or ab.get("not_all_cb513") else []),
        "| model | Q8 | Q3 | SOV3 | ECE8 | Brier8 | train minutes |", "|---|---|---|---|---|---|---|",
        f"| GSN (this file; chain {cb.get('chain')}) | {_pct(cb.get('q8'))} | {_pct(cb.get('q3'))} | "
        f"{_pct(cb.get('sov3'))} | {cb.get('ece8', float('nan')):.4f} | {cb.get('brier8', float('nan')):.4f} | "
        f"{m.get('train_minutes')} |",
    ]
    if ab:
        lines.append(f"| deterministic ablation (same backbone and data; its own minutes) | {_pct(ab.get('q8'))} | "
                     f"{_pct(ab.get('q3'))} | {_pct(ab.get('sov3'))} | {ab.get('ece8', float('nan')):.4f} | "
                     f"{ab.get('brier8', float('nan')):.4f} | {m.get('ablation_train_minutes')} |")
    if m.get("new364"):
        nw, an = m["new364"], m.get("ablation_new364") or {}
        lines += ["", f"NEW364 (FLIP's test split, 3-state, {nw.get('n_chains')} chains / {nw.get('n_residues')} residues): "
                      f"Q3 {_pct(nw.get('q3'))}, SOV3 {_pct(nw.get('sov3'))}"
                      + (f"; deterministic ablation Q3 {_pct(an.get('q3'))}, SOV3 {_pct(an.get('sov3'))}" if an else "")
                      + "."]
    v = m["validation"]
    lines += ["", f"Validation (held-out clusters of the training corpus), best epoch {v.get('epoch')}: "
                  f"Q8 {_pct(v.get('val_q8'))}, Q3 {_pct(v.get('val_q3'))}.", ""]
    cal = m.get("calibration")
    if cal:
        lines += ["## Prediction temperature",
                  f"Fitted after walkback on {cal.get('residues')} labelled validation residues "
                  "(`seqgsn/chain/temperature.py`): "
                  f"T = {cal.get('temperature')}; validation NLL per residue {cal.get('nll_before', float('nan')):.4f} -> "
                  f"{cal.get('nll_after', float('nan')):.4f}, ECE8 {frac(cal.get('ece8_before'))} -> "
                  f"{frac(cal.get('ece8_after'))}.", ""]
    pw = m.get("pairwise")
    if pw:
        w = pw.get("val_segment_w1") or {}
        lines += ["## CRF sampler (`seqgsn sample`)",
                  f"Fitted after walkback on the {pw.get('pairwise_chains')} validation chains "
                  f"({pw.get('pairwise_residues')} labelled residues, {pw.get('pairwise_steps')} chain steps each): "
                  f"label-sequence NLL per residue {pw.get('crf_nll_start', float('nan')):.4f} (factorised softmax) -> "
                  f"{pw.get('crf_nll_end', float('nan')):.4f} (CRF, unary scale {pw.get('unary_scale', float('nan')):.3f})"
                  + (f" -> {pw['matched_nll_end']:.4f} (marginal-matched CRF the sampler uses)"
                     if "matched_nll_end" in pw else "") + "."
                  + (f" Fitting took {pw['minutes']} minutes." if "minutes" in pw else "")]
        if w:
            lines.append(f"Segment-length W1 of its samples vs the validation labels: H {w.get('H', float('nan')):.3f}, "
                         f"E {w.get('E', float('nan')):.3f} residues.")
        lines.append("")
    lines += ["## Config", "```yaml"]
    import yaml
    lines += [yaml.safe_dump(cfg, sort_keys=False).rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
