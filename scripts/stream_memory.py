#!/usr/bin/env python
"""Peak memory of ``seqgsn predict`` against input size (issue: memory bounded independently of the file).

For each ``--sizes-mb`` value, writes a FASTA file of about that many megabytes to a temporary directory
(never into the repo), runs ``seqgsn predict FILE -o OUT --format fasta`` as a subprocess with the bundled
model (or ``--model``), and reports its peak resident memory (``os.wait4`` max RSS of that child, MiB),
wall time, residues/s and the ratio of each peak to the smallest file's. Prints; asserts nothing.

The sequences are synthetic (seeded; residues drawn from UniProt background frequencies, lengths
log-normal around 300, clipped to 30..3000): this measures the streaming pipeline's memory, not accuracy.

    python scripts/stream_memory.py --sizes-mb 1 200 --json mem.json
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench import run_timed   # scripts/bench.py: wall time and the child's own rusage (os.wait4)

AA = "ACDEFGHIKLMNPQRSTVWY"
# UniProtKB/Swiss-Prot amino-acid composition (%), release notes 2024.
FREQ = [8.25, 1.38, 5.46, 6.72, 3.86, 7.07, 2.27, 5.91, 5.80, 9.64,
        2.41, 4.06, 4.74, 3.93, 5.53, 6.65, 5.36, 6.86, 1.10, 2.92]


def write_fasta(path: Path, megabytes: float, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    p = np.array(FREQ) / sum(FREQ)
    letters = np.frombuffer(AA.encode(), dtype=np.uint8)
    target = int(megabytes * 1_000_000)
    written = records = residues = 0
    with open(path, "wb") as fh:
        while written < target:
            n = int(np.clip(rng.lognormal(np.log(300), 0.6), 30, 3000))
            seq = letters[rng.choice(20, size=n, p=p)].tobytes()
            lines = b"\n".join(seq[i:i + 60] for i in range(0, n, 60))
            chunk = b">syn%d synthetic sequence\n" % records + lines + b"\n"
            fh.write(chunk)
            written += len(chunk)
            records += 1
            residues += n
    return {"bytes": written, "records": records, "residues": residues}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 200])
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=0, help="passed to seqgsn predict (0 = its default)")
    ap.add_argument("--tmp", default=None, help="directory for the generated files (default: a temp dir)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    exe = shutil.which("seqgsn") or sys.exit("seqgsn is not on PATH (pip install -e .)")
    tmp = Path(a.tmp or tempfile.mkdtemp(prefix="seqgsn-mem-"))
    tmp.mkdir(parents=True, exist_ok=True)
    rows = []
    for mb in a.sizes_mb:
        fa = tmp / f"syn_{mb:g}MB.fasta"
        info = write_fasta(fa, mb)
        cmd = [exe, "predict", str(fa), "-o", str(tmp / f"syn_{mb:g}MB.out.fasta"), "--format", "fasta"]
        if a.model:
            cmd += ["--model", a.model]
        if a.threads:
            cmd += ["--threads", str(a.threads)]
        r = run_timed(cmd, None, tmp / f"syn_{mb:g}MB")          # .stdout / .stderr logs beside it
        if r["rc"] != 0:     # a failed run's time and memory measure nothing: say why and stop
            err = Path(f"{tmp / f'syn_{mb:g}MB'}.stderr")
            last = err.read_text().strip().splitlines()[-1:] if err.exists() else []
            fa.unlink()
            sys.exit(f"stream_memory: seqgsn predict failed (exit {r['rc']}) on the {mb:g} MB file: "
                     f"{last[0] if last else 'see ' + str(err)}")
        r.update(info, size_mb=mb, res_per_s=round(info["residues"] / max(r["wall_s"], 1e-9)))
        rows.append(r)
        print(f"{mb:>8g} MB  {info['records']:>9,} records  {info['residues']:>12,} residues  "
              f"rc {r['rc']}  wall {r['wall_s']:>8.1f} s  {r['res_per_s']:>8,} res/s  "
              f"peak RSS {r['max_rss_mb']:>7.1f} MiB", flush=True)
        fa.unlink()
    base = rows[0]["max_rss_mb"]
    for r in rows:
        r["rss_ratio_to_smallest"] = round(r["max_rss_mb"] / base, 3)
    print("peak RSS ratio to the smallest file: "
          + ", ".join(f"{r['size_mb']:g} MB {r['rss_ratio_to_smallest']:.2f}x" for r in rows))
    if a.json:
        Path(a.json).write_text(json.dumps({"runs": rows, "cpu_count": os.cpu_count()}, indent=2) + "\n")
    return 0 if all(r["rc"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
