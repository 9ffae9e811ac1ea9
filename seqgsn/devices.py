"""Run-time choice of device (auto|cpu|cuda[:N]|mps) and precision (auto|fp32|bf16), shared by chain and training.

Precision ``auto`` is float32 on every CPU and bfloat16 only on a CUDA GPU that supports it
(``torch.cuda.is_bf16_supported()``, Ampere and later). CPUs differ between the machines a user runs on
(some have AVX512-BF16 / AMX, some only AVX2): with ``auto`` the same command gives the same numbers on
both, and a record's output does not depend on its batch-mates. bf16 autocast rounds every convolution's
output to 8 significant bits, and oneDNN's bf16 kernels are chosen by batch shape, so on a bf16 CPU a
record's probabilities moved by up to 1.4e-3 with its batch-mates (random-weight test model; the chain's
label draws amplify one rounding flip). ``--precision bf16`` remains available: about 1.5x faster where the
CPU runs it natively (docs/performance.md), which ``native_bf16`` tells:

* CUDA: ``torch.cuda.is_bf16_supported()``;
* CPU (x86): the CPU has bf16 instructions (cpuinfo's ``avx512_bf16`` or ``amx_bf16``, via
  ``torch.cpu.get_capabilities()``) *and* oneDNN may use them (``torch.ops.mkldnn._is_mkldnn_bf16_supported()``,
  which follows ``ONEDNN_MAX_CPU_ISA``) *and* ATen's vector kernels are AVX-512 (``torch.backends.cpu.
  get_cpu_capability()``, which follows ``ATEN_CPU_CAPABILITY``); so ``ONEDNN_MAX_CPU_ISA=AVX2`` or
  ``ATEN_CPU_CAPABILITY=avx2`` each turn ``auto`` into fp32, as on a real AVX2-only CPU;
* CPU (ARM): cpuinfo's ``bf16`` / ``sve_bf16`` and oneDNN's answer;
* MPS: fp32 (bfloat16 autocast support varies with the macOS version).

A model file records the precision it was trained with (``train.precision``, ``chain.precision``) but
never forces it: prediction uses ``auto`` unless the caller asks for ``bf16`` or ``fp32`` explicitly.
"""
from __future__ import annotations

import contextlib
import re
from typing import Optional, Union

import torch

from .errors import DeviceError

PRECISIONS = ("auto", "fp32", "bf16")
DEVICE_HELP = "auto|cpu|cuda|cuda:N|mps"


def _cpu_bf16_native() -> bool:
    """True when this CPU runs bfloat16 matrix and vector work natively (module docstring)."""
    try:
        caps = dict(torch.cpu.get_capabilities())
    except Exception:                       # older torch: no cpuinfo mapping
        caps = {}
    arch = str(caps.get("architecture", ""))
    try:
        onednn = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        onednn = False
    if arch in ("arm64", "aarch64") or "arm" in arch:
        return onednn and bool(caps.get("bf16") or caps.get("sve_bf16"))
    hw = bool(caps.get("avx512_bf16") or caps.get("amx_bf16"))
    aten = torch.backends.cpu.get_cpu_capability().upper().startswith("AVX512")
    return hw and onednn and aten


def native_bf16(device: Union[str, torch.device] = "cpu") -> bool:
    """Whether ``device`` runs bfloat16 natively (no emulation)."""
    device = torch.device(device)
    if device.type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return _cpu_bf16_native()
    return False


def resolve_precision(requested: Optional[str], device: Union[str, torch.device] = "cpu") -> str:
    """'auto' (or None) -> 'bf16' on a bf16 CUDA device, else 'fp32' (every CPU: module docstring);
    'fp32' / 'bf16' pass through."""
    req = "auto" if requested is None else str(requested).lower()
    if req not in PRECISIONS:
        raise DeviceError(f"precision must be one of {'|'.join(PRECISIONS)}, got {requested!r}")
    if req == "auto":
        return "bf16" if torch.device(device).type == "cuda" and native_bf16(device) else "fp32"
    return req


def resolve_device(requested: Optional[str] = "auto") -> torch.device:
    """'auto' -> cuda if available else cpu; 'cpu' | 'cuda' | 'cuda:N' | 'mps' checked to exist."""
    req = "auto" if requested is None else str(requested).strip().lower()
    if req == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    m = re.fullmatch(r"(cpu|cuda|mps)(?::(\d+))?", req)
    if m is None or (m.group(1) != "cuda" and m.group(2) is not None and m.group(2) != "0"):
        raise DeviceError(f"unknown device {requested!r} (use {DEVICE_HELP})")
    kind, index = m.group(1), m.group(2)
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise DeviceError(f"device {requested!r} is not available: this torch build or machine has no MPS "
                              "(Apple GPU); use --device cpu")
        return torch.device("mps")
    if not torch.cuda.is_available():
        raise DeviceError(f"device {requested!r} is not available: torch sees no CUDA GPU "
                          f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}); use --device cpu")
    n = torch.cuda.device_count()
    i = int(index) if index is not None else torch.cuda.current_device()
    if i >= n:
        raise DeviceError(f"device {requested!r} is not available: torch sees {n} CUDA device(s) (cuda:0..cuda:{n - 1})")
    return torch.device("cuda", i)


def autocast(device: Union[str, torch.device], precision: str):
    """bf16: autocast on ``device`` (convolutions in bfloat16, reductions and losses float32); fp32: no-op."""
    device = torch.device(device)
    if precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def state_dtype(precision: str) -> Optional[torch.dtype]:
    """The chain state's dtype for a resolved precision (None = float32)."""
    return torch.bfloat16 if precision == "bf16" else None


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of a module's parameters (CPU for a parameter-free module)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def describe(device: torch.device, precision: str) -> str:
    """One line for logs: 'cpu (AVX2), fp32' / 'cuda:0 (NVIDIA A100), bf16'."""
    if device.type == "cuda":
        what = torch.cuda.get_device_name(device)
    elif device.type == "cpu":
        what = torch.backends.cpu.get_cpu_capability()
    else:
        what = device.type
    return f"{device} ({what}), {precision}"
