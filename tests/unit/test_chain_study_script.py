"""scripts/chain_study.py: the distance of free residues to the nearest clamp, and the gain by distance band."""
import importlib.util
import sys
from pathlib import Path

import numpy as np

from seqgsn.records import LabeledRecord, Prediction

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))            # chain_study imports paired_q8 as scripts/ does
spec = importlib.util.spec_from_file_location("chain_study", REPO / "scripts" / "chain_study.py")
study = importlib.util.module_from_spec(spec)
spec.loader.exec_module(study)


def test_clamp_distance_counts_residues_to_the_nearest_clamp_on_either_side():
    assert study.clamp_distance("--HH---E--").tolist() == [2, 1, 0, 0, 1, 2, 1, 0, 1, 2]
    assert study.clamp_distance("E-----").tolist() == [0, 1, 2, 3, 4, 5]
    assert (study.clamp_distance("----") > 10 ** 6).all()          # no clamp: no free residue is near one


def test_gain_by_distance_puts_each_free_residue_in_its_band():
    truth = "HHHHHHHHHHHH"
    ref = LabeledRecord("a", "A" * 12, ss8=truth, mask=np.array([True] * 11 + [False]))
    clamps = {"a": "E" + "-" * 11}                       # distances 1..11 from position 0
    base = Prediction("a", ref.seq, "C" * 12, np.zeros((12, 8), np.float32))
    # clamped prediction right at distances 1 and 4-7 only; position 11 (d = 11) is not evaluated
    clamped = Prediction("a", ref.seq, "CH" + "CC" + "HHHH" + "CCCH", np.zeros((12, 8), np.float32))
    line = study.gain_by_distance([ref], [clamped], [base], clamps)
    assert "1: +100.00 (10%)" in line                    # 1 of 10 free evaluated residues, right
    assert "2-3: +0.00 (20%)" in line
    assert "4-7: +100.00 (40%)" in line
    assert "8+: +0.00 (30%)" in line                      # d = 8, 9, 10 wrong; d = 11 not evaluated


reach_spec = importlib.util.spec_from_file_location("clamp_reach", REPO / "scripts" / "clamp_reach.py")
reach = importlib.util.module_from_spec(reach_spec)
reach_spec.loader.exec_module(reach)


def test_reach_rows_separate_the_chain_gain_from_what_the_nearest_clamp_could_add():
    ref = LabeledRecord("a", "A" * 6, ss8="EEHHHH")
    clamps = {"a": "E-----"}                                  # free residues at distances 1..5
    z = np.zeros((6, 8), np.float32)
    base = Prediction("a", ref.seq, "EECCCC", z)              # unclamped: right at d = 1 only
    clamped = Prediction("a", ref.seq, "EECCHC", z)           # clamping fixes one residue at d = 4
    rows = reach.reach_rows([ref], [base], [clamped], clamps)
    d1, d23, d47 = rows[(1, 1)], rows[(2, 3)], rows[(4, 7)]
    assert (d1["n"], d23["n"], d47["n"]) == (0.2, 0.4, 0.4)
    assert d1["copy"] == 1.0 and d23["copy"] == 0.0 and d47["copy"] == 0.0
    assert d1["model"] == 0.0 and d23["model"] == 0.0 and d47["model"] == 0.5
    # per band, the cell (prediction C, nearest clamp E) holds only true H: the rule predicts H there
    assert d23["table"] == 1.0 and d23["left"] == 1.0
    assert d47["table"] == 1.0 and d47["left"] == 0.5        # the chain already got one of the two
    assert d23["comp"] == 1.0                               # one composition (all E): the same cell


TOY = str(REPO / "data" / "examples" / "toy_test.txt")


def _fails(argv, capsys) -> str:
    """main(argv) must stop with exit code 2 and a message (no traceback) -> the message's last line."""
    import pytest
    with pytest.raises(SystemExit) as e:
        study.main(["--data", TOY, *argv])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_unknown_or_malformed_chain_settings_are_errors_naming_the_known_keys(tiny_model_file, capsys):
    msg = _fails(["--model", str(tiny_model_file), "--chain", "bogus=3"], capsys)
    assert "unknown key 'chain.bogus'" in msg and "reveal" in msg and "steps" in msg
    assert "must be a number" in _fails(["--model", str(tiny_model_file), "--chain", "steps=abc"], capsys)
    assert "expected KEY=VALUE" in _fails(["--chain", "steps"], capsys)


def test_chain_settings_are_read_as_in_a_config_file(tiny_model_file):
    import seqgsn
    pred = seqgsn.load_model(tiny_model_file)
    study.with_chain(pred, study.chain_overrides("steps=4,noise=false,temperature=1.5"))
    assert (pred.chain.steps, pred.chain.noise, pred.chain.temperature) == (4, False, 1.5)


def test_unknown_skip_parts_are_rejected_listing_the_valid_ones(capsys):
    msg = _fails(["--skip", "clamps,bogus"], capsys)
    assert "unknown part(s) bogus" in msg and "independent, samples, clamps" in msg


def test_a_setting_the_model_cannot_run_is_one_line_before_any_work(tiny_model_file, capsys):
    """draws 'observed' needs a provenance model: the ConfigError is a message, before the other parts run."""
    import pytest
    with pytest.raises(SystemExit) as e:
        study.main(["--data", TOY, "--model", str(tiny_model_file), "--sample-draws", "observed"])
    cap = capsys.readouterr()
    assert e.value.code == 2 and cap.out == ""
    assert ": error: " in cap.err and "label_provenance" in cap.err
    assert len(cap.err.splitlines()) == 1
