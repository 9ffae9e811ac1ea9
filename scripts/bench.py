#!/usr/bin/env python
"""Benchmark seqgsn against a peer predictor (PredictDSSP's ``dssp-fasta``) on CB513. Prints; asserts nothing.

What is measured (each number also goes to ``--json OUT`` with the machine's description)
------------------------------------------------------------------------------------------
* **Whole-process prediction throughput.** Wall time of
  ``seqgsn predict CB513.fasta -o OUT --format fasta`` as a subprocess: interpreter start, imports, model
  load, FASTA read, prediction, atomic write. residues/s = total residues / wall seconds; the median of
  ``--repeats`` runs is reported. CB513 = the 511 chains (144,011 residues) of
  ``prottrans_netsurfp2_csv/CB513_HHblits.csv`` in the shared data, written to a temporary FASTA (never
  into the repo).
* **The peer on the same input, in the same run**: ``dssp-fasta CB513.fasta -o OUT.csv`` from its own
  venv (``scripts/peer_env.sh``). Runs alternate seqgsn, peer, seqgsn, peer, ... so that load from
  other processes falls on both alike. ratio = seqgsn residues/s / peer residues/s (> 1: seqgsn faster).
  PredictDSSP is a 3-state BRNN that reloads its network for every sequence; its weights ship in the
  wheel (nothing is downloaded).
* **Peak memory and CPU**: max RSS and user + sys CPU seconds of each predict subprocess, from
  ``os.wait4`` (that child's own rusage). CPU use = CPU seconds / wall: how many cores it actually got.
  On a shared, loaded machine wall time mostly measures the wait for a core; residues per CPU-second
  (and its ratio) is the steadier comparison, so both are reported.
* **In-process prediction throughput** (insight, not the headline): ``Predictor.predict`` on the same
  records after the model is loaded and warmed up; whole-process wall minus this is the start-up and
  I/O overhead.
* **Training throughput**: residues/s of ``--train-steps`` optimiser steps (after 3 untimed warm-up
  steps) of the default config's model (``seqgsn.config`` defaults, or ``--train-config``) on real
  SCRATCH-1D chains. Each step is ``Trainer.train_step`` (the update ``Trainer.fit`` makes: seeded
  walkback loss, backward, clip, AdamW), on ``seqgsn.data.batches.iterate_batches`` batches (cropped to
  ``max_train_len``, ``train.batch_residues`` per batch), without validation or checkpoints; residues = real residues in
  the batches, as in the ``res/s`` lines of ``seqgsn train`` logs.
* **Q3 on CB513** of both tools' outputs (context for the ratio only; the official numbers come from
  ``seqgsn evaluate``): over the evaluated residues (the CSV's mask), 8->3 as H,G,I->H; E,B->E; T,S,C->C.

Usage
-----
    scripts/peer_env.sh                                   # once: /work/peer_venv
    python scripts/bench.py --json bench.json             # bundled model, 3 repeats
    python scripts/bench.py --model runs/x/model.pt --no-peer --train-steps 0 --limit 50
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

# the helpers live beside this script (also when it is loaded by path, as tests/integration/test_bench.py does)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tools import (DEFAULT_PEER, find_peer, loadavg, machine_info, peer_versions, q3,  # noqa: E402
                         read_peer_csv, read_seqgsn_fasta, run_timed, seqgsn_cmd, summarize, tail)

CB513 = "prottrans_netsurfp2_csv/CB513_HHblits.csv"
TRAIN_WARMUP = 3


# ----------------------------------------------------------------------------------------- input
def load_records(fasta=None, limit=0) -> list:
    """LabeledRecords: CB513 from the shared data, or an unlabelled FASTA (``fasta``); first ``limit``."""
    from seqgsn.io.corpus import read_corpus
    from seqgsn.paths import data_root
    recs = read_corpus(fasta, format="fasta") if fasta else read_corpus(data_root() / CB513)
    return recs[:limit] if limit else recs


def write_fasta(records, path: Path) -> None:
    with open(path, "w") as fh:
        for r in records:
            fh.write(f">{r.id}\n{r.seq}\n")


# ----------------------------------------------------------------------------------------- in-process
def in_process_predict(model_path, records, repeats: int, threads) -> dict:
    import torch
    from seqgsn.api import load_model
    from seqgsn.records import Record
    t0 = time.perf_counter()
    pred = load_model(model_path, threads=threads)
    load_s = time.perf_counter() - t0
    recs = [Record(r.id, r.seq) for r in records]
    pred.predict(recs[:4])                                  # warm-up: first-call allocations
    times, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        pred.predict(recs)
        times.append(round(time.perf_counter() - t0, 3))
        cpus.append(round(time.process_time() - c0, 2))
    med = statistics.median(times)
    residues = sum(len(r.seq) for r in recs)
    n_params = sum(p.numel() for p in pred.model.parameters())
    return {"load_s": round(load_s, 3), "predict_s": times, "median_predict_s": med,
            "residues_per_s": round(residues / med, 1), "cpu_s": cpus,
            "residues_per_cpu_s": round(residues / max(statistics.median(cpus), 1e-9), 1),
            "torch_threads": torch.get_num_threads(),
            "chain_steps": pred.chain.steps, "burn_in": pred.chain.burn_in,
            "batch_residues": pred.chain.batch_residues, "model_params": n_params}


def training_examples(cfg) -> list:
    """The config's training corpora (real chains; no test-set filter or split: speed does not need it)."""
    from seqgsn.data.batches import make_example
    from seqgsn.data.features import FeatureSpec
    from seqgsn.io.corpus import read_corpus
    from seqgsn.data.training_set import parse_entry
    recs = []
    for i, entry in enumerate(cfg.data.train):
        fmt = cfg.data.train_formats[i] if i < len(cfg.data.train_formats) else ""
        path, opts = parse_entry(entry)
        recs.extend(read_corpus(path, format=fmt or None, **opts))
    recs = [r for r in recs if len(r.seq) >= cfg.data.min_len]
    if cfg.data.max_chains:
        recs = recs[:cfg.data.max_chains]
    spec = FeatureSpec(cfg.model.profile_dim)
    return [make_example(r, spec) for r in recs]


def train_throughput(cfg, examples, steps: int, warmup: int = TRAIN_WARMUP, seed: int = 0,
                     progress=None) -> dict:
    """Residues/s of ``steps`` Trainer.train_step updates (after ``warmup`` untimed ones).

    progress: optional callable(str), told the running rate every 50 timed steps.
    """
    import torch
    from seqgsn.data.batches import iterate_batches
    from seqgsn.training.trainer import Trainer
    t = cfg.train
    with tempfile.TemporaryDirectory(prefix="seqgsn-bench-train-") as d:
        tr = Trainer(cfg, d, examples, [], log=lambda _m: None)
    tr.model.train()
    gen, rng = torch.Generator(), np.random.default_rng(seed)
    done, residues, t0, c0 = 0, 0, time.perf_counter(), time.process_time()
    while done < warmup + steps:
        for batch in iterate_batches(examples, t.batch_residues, cfg.data.max_train_len, rng):
            if done == warmup:
                residues, t0, c0 = 0, time.perf_counter(), time.process_time()
            tr.train_step(batch, gen, done)
            residues += int(batch["mask"].sum())
            done += 1
            if progress and done > warmup and (done - warmup) % 50 == 0:
                rate = residues / max(time.perf_counter() - t0, 1e-9)
                progress(f"  train step {done - warmup}/{steps}: {rate:,.0f} residues/s, load {loadavg()[0]}")
            if done >= warmup + steps:
                break
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"steps": steps, "warmup_steps": warmup, "residues": residues, "seconds": round(secs, 2),
            "residues_per_s": round(residues / max(secs, 1e-9), 1), "cpu_s": round(cpu, 2),
            "residues_per_cpu_s": round(residues / max(cpu, 1e-9), 1), "batch_residues": t.batch_residues,
            "walkback": t.walkback, "max_train_len": cfg.data.max_train_len, "chains": len(examples),
            "torch_threads": torch.get_num_threads(),
            "model_params": sum(p.numel() for p in tr.model.parameters())}


# ----------------------------------------------------------------------------------------- report
def print_table(res: dict) -> None:
    m = res["machine"]
    print(f"\nmachine: {m['cpu_model']} | {m['cpus_usable']} usable cores | torch {m['torch']} "
          f"({m['torch_threads']} threads) | nice {m['nice']} | load avg at start {res['loadavg_start']}, "
          f"end {res.get('loadavg_end')}")
    print(f"input: {res['input']['name']}: {res['input']['chains']} chains, {res['input']['residues']:,} "
          f"residues | model {res['model']}")
    rows = [(name, res[key]) for name, key in (("seqgsn predict", "seqgsn"), ("dssp-fasta (peer)", "peer"))
            if res.get(key, {}).get("runs")]
    if rows:
        print(f"\n{'whole process':<20}{'runs':>5}{'median s':>10}{'residues/s':>12}{'CPU s':>8}"
              f"{'res/CPU-s':>11}{'max RSS MB':>12}{'CPU use':>9}{'Q3':>8}")
    for name, r in rows:
        qs = f"{r['q3']:.3f}" if r.get("q3") is not None else "-"
        print(f"{name:<20}{len(r['runs']):>5}{r['median_wall_s']:>10.1f}{r['residues_per_s']:>12,.0f}"
              f"{r['median_cpu_s']:>8.1f}{r['residues_per_cpu_s']:>11,.0f}{r['max_rss_mb']:>12,.0f}"
              f"{r['median_cpu_util']:>9.2f}{qs:>8}")
    if res.get("ratio_seqgsn_over_peer") is not None:
        print(f"ratio seqgsn/peer: {res['ratio_seqgsn_over_peer']:.2f}x in residues/s (wall), "
              f"{res['ratio_cpu_seqgsn_over_peer']:.2f}x in residues per CPU-second")
    if "skipped" in res.get("peer", {}):
        print(f"peer: skipped: {res['peer']['skipped']}")
    ip = res.get("in_process")
    if ip:
        extra = ""
        if res.get("seqgsn", {}).get("runs"):
            extra = f"; CLI start-up + I/O overhead {res['seqgsn']['median_wall_s'] - ip['median_predict_s']:.1f} s"
        print(f"\nseqgsn in-process predict (model loaded, warmed up): median {ip['median_predict_s']:.1f} s, "
              f"{ip['residues_per_s']:,.0f} residues/s, {ip['residues_per_cpu_s']:,.0f} per CPU-s; "
              f"model load {ip['load_s']:.2f} s; {ip['chain_steps']} chain steps{extra}")
    tr = res.get("train")
    if tr:
        print(f"training: {tr['residues_per_s']:,.0f} residues/s ({tr['residues_per_cpu_s']:,.0f} per CPU-s) "
              f"over {tr['steps']} steps "
              f"({tr['residues']:,} residues in {tr['seconds']:.1f} s; batch_residues {tr['batch_residues']}, "
              f"walkback {tr['walkback']}, {tr['model_params']:,} parameters)")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model file (default: the bundled seqgsn/models/default.pt)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="whole-process runs per tool (and in-process runs); the median is reported. "
                         "0 = no whole-process runs")
    ap.add_argument("--threads", type=int, default=None,
                    help="CPU threads for every measurement (torch threads, OMP/MKL_NUM_THREADS of the "
                         "subprocesses); default: torch's choice")
    ap.add_argument("--no-peer", action="store_true", help="do not run the peer predictor")
    ap.add_argument("--peer-cmd", default=None,
                    help=f"the peer's dssp-fasta (default: $SEQGSN_PEER, else {DEFAULT_PEER})")
    ap.add_argument("--json", default=None, metavar="OUT",
                    help="write every number + machine info here (rewritten after each phase)")
    ap.add_argument("--fasta", default=None, help="benchmark this FASTA instead of CB513 (no Q3)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N chains (0 = all)")
    ap.add_argument("--train-steps", type=int, default=200, help="timed optimiser steps (0 = skip training)")
    ap.add_argument("--train-config", default=None,
                    help="YAML config for the training measurement (default: seqgsn.config defaults)")
    ap.add_argument("--no-in-process", action="store_true", help="skip the in-process predict timing")
    a = ap.parse_args(argv)
    if a.repeats < 0 or a.limit < 0 or a.train_steps < 0 or (a.threads is not None and a.threads < 1):
        ap.error("--threads must be >= 1; --repeats, --limit and --train-steps >= 0")
    return a


def main(argv=None) -> int:
    from seqgsn.errors import SeqGSNError
    try:
        return run(parse_args(argv))
    except SeqGSNError as e:                    # bad input / missing data: one clean line
        print(f"bench: error: {e}", file=sys.stderr)
        return 2


def whole_process(a, records, model: Path, peer, res: dict) -> bool:
    """Alternating timed runs of ``seqgsn predict`` and the peer; fills res; False if a tool failed."""
    residues = res["input"]["residues"]
    env = dict(os.environ)
    if a.threads:
        env.update(OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads))
    with tempfile.TemporaryDirectory(prefix="seqgsn-bench-") as tmp:
        tmp = Path(tmp)
        fasta = tmp / "input.fasta"
        write_fasta(records, fasta)
        ours_out, peer_out = tmp / "seqgsn.fasta", tmp / "peer.csv"
        ours = seqgsn_cmd() + ["predict", fasta, "-o", ours_out, "--format", "fasta"]
        ours += (["--model", model] if a.model else []) + (["--threads", a.threads] if a.threads else [])
        res["seqgsn_cmd"] = " ".join(map(str, ours))
        tools = [("seqgsn", ours, ours_out)]
        if peer:
            tools.append(("peer", [peer, fasta, "-o", peer_out], peer_out))
        runs = {name: [] for name, _, _ in tools}
        for i in range(a.repeats):                  # alternate the tools: shared load hits both alike
            for name, cmd, out in tools:
                out.unlink(missing_ok=True)
                r = run_timed(cmd, env, tmp / f"{name}.{i}")
                print(f"  {name} run {i + 1}: {r['wall_s']:.1f} s, max RSS {r['max_rss_mb']:.0f} MB, "
                      f"rc {r['rc']}, load {r['loadavg_1m_before']}", flush=True)
                if r["rc"] != 0 or not out.exists():
                    print(f"bench: {name} failed (exit {r['rc']}): {' '.join(map(str, cmd))}\n"
                          f"{tail(tmp / f'{name}.{i}.stderr')}", file=sys.stderr)
                    return False
                runs[name].append(r)
        res["seqgsn"] = summarize(runs["seqgsn"], residues)
        res["seqgsn"]["q3"] = q3(records, read_seqgsn_fasta(ours_out))
        if peer:
            res["peer"] = summarize(runs["peer"], residues)
            res["peer"].update(cmd=f"{peer} INPUT -o OUT.csv", versions=peer_versions(peer))
            try:
                res["peer"]["q3"] = q3(records, read_peer_csv(peer_out))
            except (ValueError, KeyError) as e:   # an unexpected output layout must not lose the timings
                res["peer"].update(q3=None, q3_error=str(e))
            res["ratio_seqgsn_over_peer"] = round(res["seqgsn"]["residues_per_s"]
                                                  / res["peer"]["residues_per_s"], 3)
            res["ratio_cpu_seqgsn_over_peer"] = round(res["seqgsn"]["residues_per_cpu_s"]
                                                      / res["peer"]["residues_per_cpu_s"], 3)
    return True


def run(a) -> int:
    import torch
    from seqgsn.api import DEFAULT_MODEL
    if a.threads:
        torch.set_num_threads(a.threads)
    model = Path(a.model) if a.model else DEFAULT_MODEL
    if not model.exists():
        print(f"bench: model file {model} not found (pass --model PATH)", file=sys.stderr)
        return 2
    res = {"loadavg_start": loadavg(), "machine": machine_info(), "model": str(model), "repeats": a.repeats,
           "threads": a.threads}

    def save():   # after every phase, so a long run that is stopped still leaves its numbers
        if a.json:
            from seqgsn.io.atomic import atomic_write
            with atomic_write(a.json) as fh:
                json.dump(res, fh, indent=1)
                fh.write("\n")

    peer = None
    if a.no_peer:
        res["peer"] = {"skipped": "--no-peer"}
    elif a.repeats:
        peer, where = find_peer(a.peer_cmd)
        if peer is None:
            res["peer"] = {"skipped": f"dssp-fasta not found at {where} (build it with scripts/peer_env.sh; "
                                      f"or --peer-cmd PATH / SEQGSN_PEER)"}
            print(f"peer: skipped: {res['peer']['skipped']}", flush=True)
    records = load_records(a.fasta, a.limit)
    res["input"] = {"name": a.fasta or CB513, "chains": len(records), "residues": sum(len(r.seq) for r in records)}
    print(f"input: {len(records)} chains, {res['input']['residues']:,} residues; model {model}; "
          f"{a.repeats} repeats; nice {os.nice(0)}", flush=True)
    save()
    if a.repeats:
        if not whole_process(a, records, model, peer, res):
            return 1
        save()
    if not a.no_in_process:
        print("in-process predict ...", flush=True)
        la = loadavg()
        res["in_process"] = in_process_predict(model, records, max(a.repeats, 1), a.threads)
        res["in_process"].update(loadavg_before=la, loadavg_after=loadavg())
        save()
    if a.train_steps:
        from seqgsn.config import Config, load_config
        cfg = load_config(a.train_config) if a.train_config else Config()
        if a.threads:
            cfg = replace(cfg, train=replace(cfg.train, threads=a.threads))
        print(f"training {a.train_steps} steps ...", flush=True)
        la = loadavg()
        res["train"] = train_throughput(cfg, training_examples(cfg), a.train_steps,
                                        progress=lambda m: print(m, flush=True))
        res["train"].update(config=a.train_config or "seqgsn.config defaults", loadavg_before=la,
                            loadavg_after=loadavg())
    res["loadavg_end"] = loadavg()
    save()
    print_table(res)
    if a.json:
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
