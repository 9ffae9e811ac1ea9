"""scripts/profile_predict.py and scripts/stream_memory.py: a bad input is one message, never a measurement."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _script(name, *args):
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *map(str, args)], capture_output=True,
                          text=True, cwd=REPO / "scripts", timeout=120)


def test_profile_predict_names_a_missing_corpus_without_a_traceback(tmp_path):
    r = _script("profile_predict.py", "--data", tmp_path / "no.csv")
    assert r.returncode == 2 and "no.csv: no such file or folder" in r.stderr and "Traceback" not in r.stderr


def test_stream_memory_stops_on_a_failed_run_instead_of_reporting_its_memory(tmp_path):
    r = _script("stream_memory.py", "--model", tmp_path / "no.pt", "--sizes-mb", 0.01, "--tmp", tmp_path / "w")
    assert r.returncode == 1 and "seqgsn predict failed (exit 2)" in r.stderr and "no.pt" in r.stderr
    assert "peak RSS" not in r.stdout                      # the failed run is not printed as a measurement
