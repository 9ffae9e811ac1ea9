"""scripts/bench_tools.py run directly: says it is bench.py's helper module instead of exiting silently."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_help_says_it_is_a_helper_of_bench():
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_tools.py"), "--help"], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "helper module of scripts/bench.py" in r.stdout
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_tools.py")], capture_output=True, text=True)
    assert r.returncode != 0 and "helper module of scripts/bench.py" in r.stderr

