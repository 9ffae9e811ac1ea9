"""What a new user meets: the README's retraining recipe on the example corpus, plain errors, residue rows,
the train summary and progress lines (issue 16)."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "data" / "examples"


def seqgsn(*args, cwd=REPO, env=None):
    e = dict(os.environ, OMP_NUM_THREADS="1", **(env or {}))
    e["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-m", "seqgsn", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=600)


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    """README 'Retrain on your own data', literally (run folder under a temporary directory)."""
    run = tmp_path_factory.mktemp("toy") / "runs" / "toy"
    r = seqgsn("train", "--config", "configs/tiny.yaml", "--train-data", "data/examples/toy_train.txt",
               "--run-dir", run, env={"SEQGSN_PROGRESS_INTERVAL": "0"})
    assert r.returncode == 0, r.stderr
    return run, r


def test_readme_recipe_trains_and_evaluates_the_example_corpus(toy_run, tmp_path):
    run, _ = toy_run
    assert (run / "model.pt").exists()
    r = seqgsn("evaluate", "--model", run / "model.pt", "--data", "data/examples/toy_test.txt")
    assert r.returncode == 0, r.stderr
    assert "evaluated residues: 525" in r.stdout and "Q8" in r.stdout


def test_train_prints_one_summary_in_percent_with_paths(toy_run):
    run, r = toy_run
    out = r.stdout
    assert out.startswith("seqgsn train: done, 2 epoch(s)") and out.count("seqgsn train: done") == 1
    assert f"model:       {run / 'model.pt'}  (best epoch" in out and f"run folder:  {run}" in out
    assert "validation Q8 " in out and "%" in out and "{" not in out        # no Python dict, no JSON
    epochs = [x for x in r.stderr.splitlines() if "[epoch]" in x]
    assert len(epochs) == 2 and " val Q8 " in epochs[0] and "%" in epochs[0] and "val_q8" not in epochs[0]
    assert "clustering 40 chains" in r.stderr and "Biopython" in r.stderr


def test_pisces_style_csv_is_a_corpus(tmp_path):
    """The generic pdb_id,chain_code,seq,sst8 table (issue 16: it used to be refused)."""
    r = seqgsn("data", "stats", EX / "toy_chains.csv")
    assert r.returncode == 0, r.stderr
    assert "(pisces_csv)" in r.stdout and "chains     3" in r.stdout


def test_text_file_as_model_is_plainly_not_a_model(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("my protein notes\n")
    for cmd in (["predict", EX / "proteins.fasta"], ["evaluate", "--data", EX / "toy_test.txt"]):
        r = seqgsn(*cmd, "--model", txt)
        assert r.returncode == 2
        assert r.stderr.startswith(f"seqgsn: error: {txt}: not a seqgsn model file")
        assert "would run code" not in r.stderr and "Traceback" not in r.stderr and "weights_only" not in r.stderr


def test_missing_paths_are_reported_as_typed(tmp_path):
    r = seqgsn("evaluate", "--data", "nothere.csv", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "seqgsn: error: nothere.csv: corpus not found\n"
    r = seqgsn("train", "--config", REPO / "configs/tiny.yaml", "--train-data", "mine.txt", "--run-dir", "r",
               cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "seqgsn: error: mine.txt: training corpus not found\n"
    r = seqgsn("predict", EX / "proteins.fasta", "--model", "missing.pt", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "seqgsn: error: missing.pt: model file not found\n"


def test_evaluate_residues_writes_one_row_per_residue(tiny_model_file, tmp_path):
    out = tmp_path / "res.tsv"
    r = seqgsn("evaluate", "--model", tiny_model_file, "--data", EX / "toy_test.txt", "--residues", out,
               "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""                                    # --quiet
    rows = list(csv.DictReader(out.open(), delimiter="\t"))
    assert list(rows[0]) == ["id", "pos", "aa", "true_ss8", "pred_ss8", "true_ss3", "pred_ss3", "evaluated",
                             "H", "G", "I", "E", "B", "T", "S", "C"]
    assert len(rows) == 525 and rows[0]["id"] == "toytest1" and rows[0]["pos"] == "1"
    lines = (EX / "toy_test.txt").read_text().splitlines()
    first = [x for x in rows if x["id"] == "toytest1"]
    assert "".join(x["aa"] for x in first) == lines[1] and "".join(x["true_ss8"] for x in first) == lines[2]
    assert [int(x["pos"]) for x in first] == list(range(1, len(lines[1]) + 1))
    for x in rows[:50]:
        probs = [float(x[c]) for c in "HGIEBTSC"]
        assert abs(sum(probs) - 1) < 2e-3 and x["pred_ss8"] == "HGIEBTSC"[probs.index(max(probs))]
        three = {"H": sum(probs[:3]), "E": sum(probs[3:5]), "C": sum(probs[5:])}
        assert x["pred_ss3"] == max(three, key=three.get) and x["evaluated"] == "1"


def test_progress_lines_off_a_terminal_and_quiet(tiny_model_file, tmp_path):
    """stderr not a terminal: periodic plain lines (interval 0 here), never on stdout; --quiet: none."""
    env = {"SEQGSN_PROGRESS_INTERVAL": "0"}
    r = seqgsn("predict", EX / "proteins.fasta", "--model", tiny_model_file, env=env)
    assert r.returncode == 0 and r.stdout.count(">") == 5
    assert "seqgsn: predict: " in r.stderr and "residues/s" in r.stderr and "seqgsn:" not in r.stdout
    assert "\r" not in r.stderr
    r = seqgsn("predict", EX / "proteins.fasta", "--model", tiny_model_file, "--quiet", env=env)
    assert r.returncode == 0 and r.stderr == ""


def test_data_filter_and_import_say_what_they_do_unless_quiet(tmp_path):
    from click.testing import CliRunner

    from seqgsn.cli import main
    runner = CliRunner()
    r = runner.invoke(main, ["data", "filter", str(EX / "toy_train.txt"), "--against", str(EX / "toy_test.txt"),
                             "--method", "align", "-o", str(tmp_path / "kept.sgc")])
    assert r.exit_code == 0, r.output
    assert "seqgsn: filter: 40 chains against 8 test chains with Biopython alignments ..." in r.stderr
    r = runner.invoke(main, ["data", "import", str(EX / "toy_train.txt"), "-o", str(tmp_path / "t.sgc")])
    assert r.exit_code == 0 and "seqgsn: import: reading" in r.stderr
    r = runner.invoke(main, ["data", "import", str(EX / "toy_train.txt"), "-o", str(tmp_path / "q.sgc"), "-q"])
    assert r.exit_code == 0 and r.stderr.startswith("imported 40 chains")
