import os
import pickle

import pytest
import torch

from seqgsn.errors import CheckpointError
from seqgsn.model.checkpoint import FORMAT_VERSION, load_model_file, read_dict, save_dict


def test_round_trip_keeps_weights_config_metrics(tiny_model_file, tiny_cfg):
    model, cfg, d = load_model_file(tiny_model_file)
    assert cfg == tiny_cfg
    assert d["metrics"] == {"note": "untrained"}
    assert d["format_version"] == FORMAT_VERSION
    assert not model.training


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/seqgsn_pwned",))


def test_file_that_would_run_code_is_refused(tmp_path):
    p = tmp_path / "evil.pt"
    torch.save({"format": "seqgsn-model", "payload": _Evil()}, p)
    if os.path.exists("/tmp/seqgsn_pwned"):
        os.remove("/tmp/seqgsn_pwned")
    with pytest.raises(CheckpointError, match="refused"):
        load_model_file(p)
    assert not os.path.exists("/tmp/seqgsn_pwned")


# torch warns that a protocol-4 pickle is not its own format before refusing it: expected here
@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
def test_raw_pickle_is_refused(tmp_path):
    p = tmp_path / "evil.pkl"
    p.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(CheckpointError):
        load_model_file(p)
    assert not os.path.exists("/tmp/seqgsn_pwned")


def test_truncated_and_garbage_files(tiny_model_file, tmp_path):
    data = tiny_model_file.read_bytes()
    t = tmp_path / "trunc.pt"
    t.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_model_file(t)
    g = tmp_path / "garbage.pt"
    g.write_bytes(b"\x00\x01not a model" * 50)
    with pytest.raises(CheckpointError):
        load_model_file(g)
    with pytest.raises(CheckpointError, match="not found"):
        load_model_file(tmp_path / "missing.pt")


def _mutate(src, dst, fn):
    d = read_dict(src)
    fn(d)
    save_dict(dst, d)
    return dst


@pytest.mark.parametrize("fn, msg", [
    (lambda d: d.update(format_version=FORMAT_VERSION + 1), "newer"),
    (lambda d: d.update(format="other"), "not a seqgsn model"),
    (lambda d: d["alphabet"].update(ss8="HGIEBTCS"), "alphabet mismatch"),
    (lambda d: d["state_dict"].pop(next(iter(d["state_dict"]))), "missing"),
    (lambda d: d["state_dict"].update(extra=torch.zeros(1)), "unexpected"),
    (lambda d: d["config"]["model"].update(hidden=[4, 4]), "shape"),
    (lambda d: d["config"]["model"].update(colour=1), "unknown key"),
])
def test_mismatched_files_are_refused(tiny_model_file, tmp_path, fn, msg):
    p = _mutate(tiny_model_file, tmp_path / "m.pt", fn)
    with pytest.raises(CheckpointError, match=msg):
        load_model_file(p)


def test_version_0_upgrades(tiny_model_file, tmp_path):
    def to_v0(d):
        d["format_version"] = 0
        d.pop("alphabet")
        d["val"] = d.pop("metrics")
    p = _mutate(tiny_model_file, tmp_path / "v0.pt", to_v0)
    _, _, d = load_model_file(p)
    assert d["format_version"] == FORMAT_VERSION
    assert d["metrics"] == {"note": "untrained"}


def test_save_is_atomic_on_failure(tmp_path, tiny_model_file):
    before = tiny_model_file.read_bytes()
    with pytest.raises(Exception):
        save_dict(tiny_model_file, {"x": lambda: 0})  # not serialisable -> nothing written
    assert tiny_model_file.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [tiny_model_file.name]
