"""scripts/peer_env.sh: --help is usage, not the venv directory."""
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_help_prints_usage_and_builds_nothing(tmp_path):
    env = {**os.environ, "PYTHON": "false"}           # were --help taken for DIR, no venv could be built either
    r = subprocess.run(["bash", str(REPO / "scripts" / "peer_env.sh"), "--help"], capture_output=True, text=True,
                       cwd=tmp_path, env=env)
    assert r.returncode == 0 and "peer_env.sh [DIR]" in r.stdout and "PredictDSSP" in r.stdout
    assert not list(tmp_path.iterdir())
