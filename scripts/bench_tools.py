"""Helpers of scripts/bench.py: machine facts, timed child processes, the peer tool, output parsing, Q3."""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PEER = "/work/peer_venv/bin/dssp-fasta"
PEER_SS3 = {"0": "H", "1": "E", "2": "C"}     # PredictDSSP classes: 0 helix, 1 strand/sheet, 2 coil


# ----------------------------------------------------------------------------------------- machine
def machine_info() -> dict:
    import torch
    info = {"cpu_model": None, "cpu_count": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "mem_total_gb": None, "python": platform.python_version(), "platform": platform.platform(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"), "nice": os.nice(0)}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_total_gb"] = round(int(line.split()[1]) / 2 ** 20, 1)
    except OSError:
        pass
    try:
        import seqgsn
        info["seqgsn"] = seqgsn.__version__
        rev = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
        info["git"] = rev.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def loadavg() -> list:
    return [round(x, 2) for x in os.getloadavg()]


# ----------------------------------------------------------------------------------------- processes
def run_timed(cmd, env, log_prefix: Path) -> dict:
    """Run ``cmd``; wall seconds, exit code, and this child's own rusage (os.wait4: max RSS, CPU)."""
    la = loadavg()
    with open(f"{log_prefix}.stdout", "wb") as fo, open(f"{log_prefix}.stderr", "wb") as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen([str(c) for c in cmd], stdout=fo, stderr=fe, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)   # reaped by wait4: tell Popen
    cpu = ru.ru_utime + ru.ru_stime
    return {"wall_s": round(wall, 3), "rc": p.returncode, "max_rss_mb": round(ru.ru_maxrss / 1024, 1),
            "cpu_s": round(cpu, 2), "cpu_util": round(cpu / max(wall, 1e-9), 2), "loadavg_1m_before": la[0],
            "nice": os.nice(0)}   # inherited by the child: a reniced bench measures a reniced tool


def tail(path, n=8) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def summarize(runs: list, residues: int) -> dict:
    """Medians over runs. residues per CPU-second is the load-robust figure on a shared machine: a
    process starved of cores waits (wall grows) but does not burn more CPU."""
    med = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    return {"runs": runs, "median_wall_s": round(med, 3), "residues_per_s": round(residues / med, 1),
            "median_cpu_s": round(cpu, 2), "residues_per_cpu_s": round(residues / max(cpu, 1e-9), 1),
            "max_rss_mb": max(r["max_rss_mb"] for r in runs),
            "median_cpu_util": round(statistics.median(r["cpu_util"] for r in runs), 2)}


def seqgsn_cmd() -> list:
    """The installed console script of this interpreter's environment (not a pyenv shim), else -m."""
    exe = Path(sys.executable).parent / "seqgsn"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "seqgsn"]


def find_peer(arg) -> tuple:
    """(command path or None, where it was looked for): --peer-cmd, else $SEQGSN_PEER, else the default."""
    want = arg or os.environ.get("SEQGSN_PEER") or DEFAULT_PEER
    p = Path(want)
    if p.is_file() and os.access(p, os.X_OK):
        return str(p), want
    found = shutil.which(want) if os.sep not in want else None
    return found, want


def peer_versions(peer: str) -> dict:
    py = Path(peer).parent / "python"
    if not py.exists():
        return {}
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({k: m.version(k) for k in ('PredictDSSP', 'torch')}))")
    try:
        out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout) if out.returncode == 0 else {}
    except (OSError, ValueError, subprocess.SubprocessError):
        return {}


# ----------------------------------------------------------------------------------------- outputs
def read_seqgsn_fasta(path) -> dict:
    """seqgsn ``--format fasta`` output (>ID / SEQUENCE / SS8) -> {id: ss3}."""
    from seqgsn.alphabet import ss8_to_ss3
    lines = Path(path).read_text().splitlines()
    return {lines[i][1:].split()[0]: ss8_to_ss3(lines[i + 2]) for i in range(0, len(lines) - 2, 3)}


def read_peer_csv(path) -> dict:
    """dssp-fasta output: one line per record, ``ID, v1, v2, ...`` with v in {0.000, 1.000, 2.000}."""
    out = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            head, *vals = [x.strip() for x in line.split(",")]
            out[head.split()[0]] = "".join(PEER_SS3[str(int(float(v)))] for v in vals)
    return out


def q3(records, pred: dict):
    """Fraction of evaluated residues (mask) whose 3-state label is predicted; None without labels."""
    from seqgsn.alphabet import ss8_to_ss3
    right = total = 0
    for r in records:
        if r.ss8 is None or r.id not in pred or len(pred[r.id]) != len(r.seq):
            return None
        truth = np.frombuffer(ss8_to_ss3(r.ss8).encode(), np.uint8)
        guess = np.frombuffer(pred[r.id].encode(), np.uint8)
        evaluated = np.ones(len(r.seq), bool) if r.mask is None else np.asarray(r.mask, bool)
        right += int(((truth == guess) & evaluated).sum())
        total += int(evaluated.sum())
    return round(right / total, 4) if total else None


if __name__ == "__main__":
    # Imported by bench.py, not run: say so instead of exiting silently (--help included).
    _what = ("bench_tools.py is a helper module of scripts/bench.py (machine facts, timed child processes, the "
             "peer tool, output parsing, Q3) with no command line of its own: run `python scripts/bench.py --help`")
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(_what)
        sys.exit(0)
    sys.exit(_what)
