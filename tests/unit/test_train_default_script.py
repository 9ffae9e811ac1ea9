"""scripts/train_default.sh: --help is usage, not a runs directory; a failed training run stops the script."""
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "train_default.sh"


def test_help_prints_usage_and_creates_nothing(tmp_path):
    r = subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "train_default.sh [RUNS_DIR]" in r.stdout
    assert not (REPO / "--help").exists() and not list(tmp_path.iterdir())


def test_a_failed_training_run_stops_before_evaluation_and_names_its_log(tmp_path):
    """A stub `seqgsn` whose ablation training fails: the script must stop there, naming the run's log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    stub = bin_dir / "seqgsn"
    stub.write_text(f'#!/usr/bin/env bash\necho "$*" >> {calls}\n'
                    'if [ "$1" = train ] && [[ "$*" == */ablation* ]]; then echo boom >&2; exit 3; fi\n')
    stub.chmod(0o755)
    runs = tmp_path / "runs"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    r = subprocess.run(["bash", str(SCRIPT), str(runs)], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and f"training run 'ablation' failed: see {runs}/ablation.log" in r.stderr
    assert "default' failed" not in r.stderr
    assert not any(line.startswith("evaluate") for line in calls.read_text().splitlines())
    assert "boom" in (runs / "ablation.log").read_text()
