"""scripts/* on a corpus with 3-state labels only (FLIP / NEW364): Q3 where that is all there is, and a clean
error from the scripts that measure 8-state quantities instead of a crash or a table of nan."""
import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))            # chain_study / clamp_reach import siblings as scripts/ does


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def flip_zip(path: Path) -> str:
    """A FLIP-format splits.zip (3-state labels only) with two test chains -> 'PATH?split=test'."""
    rows = [("1aaa-A", "MKVLAGDGFFIVKFVPGDGLREEQ", "CHHHHHHCCCEEEEECCCHHHHHC"),
            ("2bbb-B", "GSWYNPPDREEALEQAKELA", "CEEEECCCHHHHHHHHHHCC")]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("splits/sequences.fasta", "".join(f">{i}\n{s}\n" for i, s, _ in rows))
        z.writestr("splits/sampled.fasta", "".join(f">{i} SET=test VALIDATION=False\n{lab}\n" for i, _, lab in rows))
        z.writestr("splits/mask.fasta", "".join(f">{i}\n{'1' * len(s)}\n" for i, s, _ in rows))
    return f"{path}?split=test"


def test_ensemble_reports_q3_and_no_q8_on_3_state_data(tmp_path, tiny_model_file, capsys):
    data = flip_zip(tmp_path / "splits.zip")
    _script("ensemble_q8").main(["--data", data, str(tiny_model_file), str(tiny_model_file)])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all("Q8 n/a  Q3 " in line for line in out)
    assert "0 evaluated 8-state / 44 3-state residues" in out[2]


@pytest.mark.parametrize("name", ["context_probe", "drift_probe", "chain_study", "clamp_reach"])
def test_8_state_scripts_stop_on_3_state_data(tmp_path, tiny_model_file, capsys, name):
    data = flip_zip(tmp_path / "splits.zip")
    with pytest.raises(SystemExit) as e:
        _script(name).main(["--data", data, "--model", str(tiny_model_file)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    assert err.strip().endswith(f"needs chains with 8-state labels; {data} has none") and len(err.splitlines()) == 1
