"""torchrun: 2 CPU processes (gloo) train to identical weights, 1 process equals plain train; distributed
predict / sample write byte-identical outputs to one process. Synthetic data in tmp (no ../shared)."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples"
AA, SS = "ACDEFGHIKLMNPQRSTVWY", "HGIEBTSC"

pytestmark = pytest.mark.skipif(shutil.which("torchrun") is None and
                                subprocess.run([sys.executable, "-c", "import torch.distributed.run"]).returncode,
                                reason="torch.distributed.run not available")


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONFAULTHANDLER="1")   # a rank that aborts (SIGABRT) prints its Python stacks into r.stderr
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _torchrun(n, *args, **env):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(n),
           "-m", "seqgsn", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=_env(**env), timeout=600)


def _seqgsn(*args, **env):
    return subprocess.run([sys.executable, "-m", "seqgsn", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=_env(**env), timeout=600)


def _corpus(path: Path, n: int = 40) -> Path:
    rng = np.random.default_rng(0)
    rows = ["pdb_id,chain_code,seq,sst8"]
    for i in range(n):
        L = int(rng.integers(30, 90))
        seq = "".join(rng.choice(list(AA), L))
        lab = "".join(rng.choice(list(SS), L))
        rows.append(f"S{i:03d},A,{seq},{lab}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _config(tmp: Path, epochs: int = 1) -> Path:
    cfg = tmp / "c.yaml"
    cfg.write_text(f"""data:
  train: ["{_corpus(tmp / 'corpus.csv')}"]
  filter_against: []
  val_fraction: 0.2
  cache_dir: "{tmp / 'cache'}"
model:
  embed_dim: 8
  backbone_channels: 16
  backbone_layers: 2
  backbone_kernel: 3
  backbone_dilations: [1, 2]
  hidden: [8, 8]
  hidden_kernel: 3
  label_kernel: 3
chain:
  steps: 3
  burn_in: 1
train:
  walkback: 2
  epochs: {epochs}
  batch_residues: 500
  threads: 1
  log_every: 0
  checkpoint_every: 2
""")
    return cfg


def _stat(pid: int) -> list:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return [str(pid), "comm"] + raw[raw.rindex(")") + 2:].split()    # [pid, comm, state, ppid, ...]


def _descendants(pid: int) -> list:
    """Every live process below pid (Linux /proc): torchrun starts its ranks in their own sessions,
    so killing torchrun's process group would leave them running."""
    children = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                children.setdefault(int(_stat(int(d.name))[3]), []).append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _digests(prefix: Path, n: int):
    return [Path(f"{prefix}.rank{r}").read_text().strip() for r in range(n)]


def test_torchrun_training_ranks_agree_and_one_process_equals_plain_train(tmp_path):
    cfg = _config(tmp_path)
    r = _seqgsn("train", "--config", cfg, "--run-dir", tmp_path / "plain", SEQGSN_WEIGHTS_DIGEST=tmp_path / "plain")
    assert r.returncode == 0, r.stderr
    r = _torchrun(1, "train", "--config", cfg, "--run-dir", tmp_path / "one", SEQGSN_WEIGHTS_DIGEST=tmp_path / "one")
    assert r.returncode == 0, r.stderr
    assert _digests(tmp_path / "one", 1) == _digests(tmp_path / "plain", 1)
    r = _torchrun(2, "train", "--config", cfg, "--run-dir", tmp_path / "two", SEQGSN_WEIGHTS_DIGEST=tmp_path / "two")
    assert r.returncode == 0, r.stderr
    d = _digests(tmp_path / "two", 2)
    assert d[0] == d[1]                                    # every rank ends with the same weights
    assert d[0] != _digests(tmp_path / "plain", 1)[0]      # ... and they did train on 2 shards
    assert (tmp_path / "two" / "model.pt").exists() and len((tmp_path / "two" / "metrics.jsonl").read_text().splitlines()) == 1


def test_torchrun_predict_and_sample_are_byte_identical_to_one_process(tmp_path, tiny_model_file):
    src = EXAMPLES / "messy.fasta"
    # same thread count in both runs: oneDNN's kernels (and so the last float bits) depend on it
    common = ["--model", tiny_model_file, "--batch-residues", 60, "--seed", 3, "--threads", 1]
    r = _seqgsn("predict", src, "-o", tmp_path / "one.ss2", "-f", "ss2", "--errors", tmp_path / "one.err", *common)
    assert r.returncode in (0, 3), r.stderr
    r2 = _torchrun(2, "predict", src, "-o", tmp_path / "two.ss2", "-f", "ss2", "--errors", tmp_path / "two.err", *common)
    assert (tmp_path / "two.ss2").read_bytes() == (tmp_path / "one.ss2").read_bytes(), r2.stderr
    err1 = sorted((tmp_path / "one.err").read_text().splitlines())
    assert sorted((tmp_path / "two.err").read_text().splitlines()) == err1    # same problems (order may differ)
    src = EXAMPLES / "proteins.fasta"
    r = _seqgsn("sample", src, "-n", 3, "-o", tmp_path / "s1.jsonl", *common)
    assert r.returncode == 0, r.stderr
    r = _torchrun(2, "sample", src, "-n", 3, "-o", tmp_path / "s2.jsonl", *common)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "s2.jsonl").read_bytes() == (tmp_path / "s1.jsonl").read_bytes()
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.progress.json"))


def test_torchrun_kill_9_then_resume_gives_the_uninterrupted_weights(tmp_path):
    cfg = _config(tmp_path, epochs=40)
    r = _torchrun(2, "train", "--config", cfg, "--run-dir", tmp_path / "full", SEQGSN_WEIGHTS_DIGEST=tmp_path / "full")
    assert r.returncode == 0, r.stderr
    run = tmp_path / "killed"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "seqgsn", "train", "--config", str(cfg), "--run-dir", str(run)]
    job = subprocess.Popen(cmd, cwd=REPO, env=_env(SEQGSN_WEIGHTS_DIGEST=run),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run / "state.pt").exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    tree = _descendants(job.pid) + [job.pid]
    for pid in tree:                           # the whole job at once: torchrun and both ranks, no clean-up
        os.kill(pid, signal.SIGKILL)
    job.wait()
    time.sleep(0.5)
    assert not [p for p in tree if Path(f"/proc/{p}").exists() and "Z" not in _stat(p)[2]]
    from seqgsn.model.checkpoint import read_dict
    killed_at = read_dict(run / "state.pt")["global_step"]
    full_steps = read_dict(tmp_path / "full" / "state.pt")["global_step"]
    assert 0 < killed_at < full_steps and not (tmp_path / "killed.rank0").exists()   # died mid-training
    r = _torchrun(2, "train", "--resume", run, SEQGSN_WEIGHTS_DIGEST=run)
    assert r.returncode == 0, r.stderr
    assert f"(global {killed_at})" in (run / "log.txt").read_text()    # it continued from the kill
    assert _digests(run, 2) == _digests(tmp_path / "full", 2)


def test_torchrun_predict_resumes_an_interrupted_run(tmp_path, tiny_model_file, monkeypatch):
    # the interrupted run is cut after 3 chunks (deterministic, no timing); 2 processes resume it
    from click.testing import CliRunner
    import seqgsn.cli.predict as cp
    from seqgsn.api import load_model
    from seqgsn.cli import main
    fa = tmp_path / "in.fa"
    fa.write_text("".join((EXAMPLES / "proteins.fasta").read_text() for _ in range(4)))
    args = ["predict", str(fa), "--format", "tsv", "--batch-residues", "300", "--model", str(tiny_model_file),
            "--threads", "1"]
    assert _seqgsn(*args, "-o", tmp_path / "ref.tsv").returncode == 0

    class Dying:
        def __init__(self, inner, after):
            self.inner, self.after = inner, after

        def predict(self, *a, **k):
            self.after -= 1
            if self.after < 0:
                raise KeyboardInterrupt
            return self.inner.predict(*a, **k)

        def __getattr__(self, name):
            return getattr(self.inner, name)
    real = load_model(tiny_model_file)
    monkeypatch.setattr(cp, "_load", lambda path, threads, *device_precision: Dying(real, 3))
    r = CliRunner().invoke(main, args + ["-o", str(tmp_path / "out.tsv")])
    partial = tmp_path / "out.tsv.partial"
    assert r.exit_code != 0 and partial.exists()
    ref = (tmp_path / "ref.tsv").read_bytes()
    done = partial.read_bytes()
    assert 0 < len(done) < len(ref) and ref.startswith(done)
    # mark the kept part (same length, so the resume check accepts it): a restart would rewrite it
    at = done.rindex(b"0.")
    partial.write_bytes(done[:at] + b"9." + done[at + 2:])
    r = _torchrun(2, *args, "-o", tmp_path / "out.tsv", "--resume")
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "out.tsv").read_bytes()
    assert out[:at] + b"0." + out[at + 2:] == ref and out[at:at + 2] == b"9."   # kept, then continued
    assert not partial.exists()
