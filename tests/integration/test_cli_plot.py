"""`seqgsn plot`, `evaluate --report` and the training run's learning curves, through the CLI (tiny random
model; files written and valid, not pixels)."""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from seqgsn.cli import main

pytest.importorskip("matplotlib")

EX = Path(__file__).resolve().parents[2] / "data" / "examples"
CB513 = "prottrans_netsurfp2_csv/CB513_HHblits.csv"
PNG = b"\x89PNG\r\n\x1a\n"
IDS = ["sp_P0CG48_UBC_HUMAN", "sp_P00698_LYSC_CHICK", "sp_P02185_MYG_PHYMC", "sp_P00974_BPT1_BOVIN",
       "sp_P42212_GFP_AEQVI"]


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def predicted(tmp_path, tiny_model_file):
    out = tmp_path / "p.jsonl"
    r = cli("predict", EX / "proteins.fasta", "-f", "jsonl", "-o", out, "--model", tiny_model_file,
            "--threads", 1)
    assert r.exit_code == 0, r.stderr
    return out


def test_plot_one_record_to_a_file(predicted, tmp_path):
    one = tmp_path / "ubq.jsonl"
    one.write_text(predicted.read_text().splitlines()[0] + "\n")
    for ext, magic in (("png", PNG), ("pdf", b"%PDF-")):
        r = cli("plot", one, "-o", tmp_path / f"ubq.{ext}")
        assert r.exit_code == 0, r.stderr
        assert r.stdout.strip() == str(tmp_path / f"ubq.{ext}")
        assert (tmp_path / f"ubq.{ext}").read_bytes().startswith(magic)
    r = cli("plot", "-", "-o", tmp_path / "stdin.svg", input=one.read_text())
    assert r.exit_code == 0, r.stderr
    assert ET.parse(tmp_path / "stdin.svg").getroot().tag.endswith("svg")


def test_plot_several_records_needs_a_directory(predicted, tmp_path):
    r = cli("plot", predicted, "-o", tmp_path / "all.png")
    assert r.exit_code == 2
    assert "more than one record" in r.stderr and "directory" in r.stderr
    assert not (tmp_path / "all.png").exists()
    r = cli("plot", predicted, "-o", tmp_path / "figs")
    assert r.exit_code == 0, r.stderr
    files = sorted((tmp_path / "figs").iterdir())
    assert sorted(f.name for f in files) == sorted(f"{i}.png" for i in IDS)
    assert len(r.stdout.splitlines()) == 5
    assert all(f.read_bytes().startswith(PNG) for f in files)


def test_plot_samples_as_rasters(tmp_path, tiny_model_file):
    samples = tmp_path / "s.jsonl"
    r = cli("sample", EX / "proteins.fasta", "-n", 4, "-o", samples, "--model", tiny_model_file,
            "--threads", 1)
    assert r.exit_code == 0, r.stderr
    r = cli("plot", samples, "-o", tmp_path / "raster/", "--format", "svg")
    assert r.exit_code == 0, r.stderr
    for i in IDS:
        assert ET.parse(tmp_path / "raster" / f"{i}.svg").getroot().tag.endswith("svg")


def test_plot_bad_input_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "sequence": "AC", "ss8": "HH"}\nnot json\n')
    r = cli("plot", bad, "-o", tmp_path / "d")
    assert r.exit_code == 2 and "line 2" in r.stderr and "Traceback" not in r.stderr
    r = cli("plot", bad, "-o", tmp_path / "x.gif")
    assert r.exit_code == 2 and "png, svg, pdf" in r.stderr


def test_evaluate_report_is_one_self_contained_page(tiny_model_file, shared_data, tmp_path):
    out, js = tmp_path / "rep", tmp_path / "m.json"
    r = cli("evaluate", "--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 4,
            "--threads", 1, "--generative", "--samples", 3, "--clamp-fractions", "0.25", "--clamp-modes",
            "random", "--json", js, "--report", out)
    assert r.exit_code == 0, r.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"report: {out / 'report.html'}" in r.stderr
    for section in ("confusion", "reliability", "per-class", "per-chain", "segment-lengths", "chain-steps",
                    "clamping", "summary"):
        assert f'id="{section}"' in page
    assert page.count('src="data:image/png;base64,') == 7
    assert "http://" not in page and "https://" not in page
    m = json.loads(js.read_text())
    assert all(c["length"] >= c["n_residues"] for c in m["per_chain"])
    assert len(m["calibration"]["reliability"]) == m["calibration"]["n_bins"]


def test_learning_curves_without_matplotlib_is_a_log_note(tmp_path, monkeypatch):
    from seqgsn.cli.train import _learning_curves
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "train_loss": 1.0, "val_q8": 0.3}) + "\n")
    lines = []
    _learning_curves(tmp_path, lines.append)
    assert (tmp_path / "learning_curves.png").read_bytes().startswith(PNG) and "learning_curves.png" in lines[0]
    (tmp_path / "learning_curves.png").unlink()
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    _learning_curves(tmp_path, lines.append)
    assert not (tmp_path / "learning_curves.png").exists()
    assert len(lines) == 2 and "pip install 'seqgsn[plot]'" in lines[1]
