"""Run-time precision and device resolution (seqgsn.devices); the model file never forces a slow path."""
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from seqgsn import devices
from seqgsn.api import load_model
from seqgsn.config import config_from_dict
from seqgsn.errors import ConfigError, DeviceError
from seqgsn.records import Record

RECS = [Record("a", "MKTAYIAKQRQISFVKSHFSRQ"), Record("b", "GSHMLEDPVDAFQEAL")]


@pytest.fixture
def caps(monkeypatch):
    """Pretend CPU: cpuinfo flags, oneDNN's answer and ATen's capability (settable per test)."""
    state = {"caps": {"architecture": "x86_64", "avx512_bf16": True, "amx_bf16": False},
             "onednn": True, "aten": "AVX512"}
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: state["caps"])
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: state["onednn"], raising=False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: state["aten"])
    return state


def test_native_bf16_needs_every_layer_to_run_it_natively(caps):
    assert devices.native_bf16("cpu")
    caps["onednn"] = False                               # e.g. ONEDNN_MAX_CPU_ISA=AVX2
    assert not devices.native_bf16("cpu")
    caps["onednn"], caps["aten"] = True, "AVX2"          # e.g. ATEN_CPU_CAPABILITY=avx2
    assert not devices.native_bf16("cpu")
    caps["aten"], caps["caps"] = "AVX512", {"architecture": "x86_64", "avx512_bf16": False, "amx_bf16": False}
    assert not devices.native_bf16("cpu")               # AVX-512 without bf16 instructions
    caps["caps"] = {"architecture": "x86_64", "amx_bf16": True}
    assert devices.native_bf16("cpu")


def test_auto_is_fp32_on_every_cpu_even_with_native_bf16(caps):
    """The default must not depend on which CPU the machine has (devices.py docstring)."""
    assert devices.native_bf16("cpu")
    assert devices.resolve_precision("auto", "cpu") == "fp32"
    assert devices.resolve_precision(None, "cpu") == "fp32"
    caps["onednn"] = False
    assert devices.resolve_precision("auto", "cpu") == "fp32"


def test_explicit_precision_passes_through_and_bad_names_are_typed_errors(caps):
    caps["onednn"] = False
    assert devices.resolve_precision("bf16", "cpu") == "bf16"    # asked for explicitly: honoured
    assert devices.resolve_precision("FP32", "cpu") == "fp32"
    with pytest.raises(DeviceError, match="fp16"):
        devices.resolve_precision("fp16", "cpu")


def test_config_accepts_auto_and_defaults_to_it():
    cfg = config_from_dict({})
    assert cfg.chain.precision == "auto" and cfg.train.precision == "auto"
    assert config_from_dict({"chain": {"precision": "bf16"}, "train": {"precision": "fp32"}}).chain.precision == "bf16"
    with pytest.raises(ConfigError, match="chain.precision must be auto"):
        config_from_dict({"chain": {"precision": "fp16"}})


def test_this_machine_says_no_native_bf16_under_avx2_emulation():
    """ONEDNN_MAX_CPU_ISA=AVX2 and ATEN_CPU_CAPABILITY=avx2 each make bf16 non-native (any CPU)."""
    code = "from seqgsn.devices import native_bf16 as n; print('bf16' if n('cpu') else 'fp32')"
    for var in ("ONEDNN_MAX_CPU_ISA=AVX2", "ATEN_CPU_CAPABILITY=avx2"):
        k, v = var.split("=")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, **{k: v}))
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "fp32", var


def test_model_file_precision_never_forces_bf16(tmp_path, tiny_cfg, caps):
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    caps["onednn"] = False                                # a CPU without native bf16
    cfg = replace(tiny_cfg, chain=replace(tiny_cfg.chain, precision="bf16"),
                  train=replace(tiny_cfg.train, precision="bf16"))
    p = tmp_path / "bf16.pt"
    save_model(p, SeqGSN(cfg.model), cfg)
    assert load_model(p).precision == "fp32"               # auto: the file's bf16 is only a record
    assert load_model(p, precision="bf16").precision == "bf16"
    caps["onednn"] = True
    assert load_model(p).precision == "fp32"               # native bf16 CPU: auto is still fp32


def test_devices_resolve_and_missing_ones_are_clean_errors():
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        devices.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="'cuda:1' is not available"):
            devices.resolve_device("cuda:1")


def test_cli_names_a_missing_device_without_traceback(tiny_model_file, tmp_path):
    if torch.cuda.device_count() >= 8:
        pytest.skip("this machine has cuda:7")
    fa = tmp_path / "in.fa"
    fa.write_text(">a\nMKTAYIAKQRQ\n")
    r = subprocess.run([sys.executable, "-m", "seqgsn", "predict", fa, "--model", tiny_model_file,
                        "--device", "cuda:7"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "cuda:7" in r.stderr


def test_outputs_do_not_depend_on_the_device_rng(tiny_model_file):
    """The chain's noise is drawn on CPU generators: reseeding the global RNG changes nothing."""
    p = load_model(tiny_model_file, device="cpu")
    torch.manual_seed(1)
    a = p.predict(RECS, seed=5)
    torch.manual_seed(2)
    b = p.predict(RECS, seed=5)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.prob8, y.prob8)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_gpu_prediction_matches_cpu_closely(tiny_model_file):
    cpu = load_model(tiny_model_file, device="cpu", precision="fp32").predict(RECS, seed=5)
    gpu = load_model(tiny_model_file, device="cuda", precision="fp32").predict(RECS, seed=5)
    for x, y in zip(cpu, gpu):
        assert np.abs(x.prob8 - y.prob8).max() < 1e-4      # same noise; kernels differ in rounding only
