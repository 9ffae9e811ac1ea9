"""Profile parsers: a genuine PSI-BLAST ASCII PSSM (made here) and a hand-written .hhm.

The .hhm below is written by hand following the HH-suite user guide's file-format
section (header, NULL line, ``HMM`` column header, transition header, NULL
transitions, two lines per match state, ``//``); it is not HHblits output.
"""
from __future__ import annotations

import random
import subprocess

import numpy as np
import pytest

from seqgsn.alphabet import AA_STANDARD
from tests.conftest import require_tool
from seqgsn.errors import InvalidFileError
from seqgsn.io.profiles import (HHM_EXTRA_COLUMNS, PROFILE_COLUMNS, read_hhm, read_profile,
                                read_pssm)


@pytest.fixture(scope="module")
def pssm_file(tmp_path_factory):
    require_tool("psiblast")             # skips, or fails under CI=true
    require_tool("makeblastdb")
    d = tmp_path_factory.mktemp("blast")
    rnd = random.Random(1)
    base = "".join(rnd.choice(AA_STANDARD) for _ in range(60))
    homologs = ["".join(c if rnd.random() > 0.15 else rnd.choice(AA_STANDARD) for c in base)
                for _ in range(8)]
    (d / "db.fa").write_text("".join(f">s{k}\n{s}\n" for k, s in enumerate(homologs)))
    (d / "q.fa").write_text(f">q\n{base}\n")
    subprocess.run(["makeblastdb", "-in", str(d / "db.fa"), "-dbtype", "prot", "-out",
                    str(d / "db")], check=True, capture_output=True)
    subprocess.run(["psiblast", "-query", str(d / "q.fa"), "-db", str(d / "db"),
                    "-num_iterations", "2", "-out_ascii_pssm", str(d / "q.pssm"),
                    "-out", str(d / "hits.txt"), "-num_threads", "1"], check=True,
                   capture_output=True)
    return d / "q.pssm", base


def test_psiblast_pssm(pssm_file):
    path, query = pssm_file
    p = read_pssm(path)
    assert p.seq == query and p.values.shape == (60, 20) and p.values.dtype == np.float32
    assert p.columns == tuple(PROFILE_COLUMNS[:20])
    assert ((p.values > 0) & (p.values < 1)).all()
    # Recompute position 1 from the raw line: sigmoid of its 20 scores, reordered ARND.. -> ACDE..
    line = next(ln for ln in path.read_text().splitlines() if ln.split()[:2] == ["1", query[0]])
    raw = dict(zip("ARNDCQEGHILKMFPSTWYV", map(float, line.split()[2:22])))
    want = [1 / (1 + np.exp(-raw[c])) for c in AA_STANDARD]
    np.testing.assert_allclose(p.values[0], want, rtol=1e-6)
    assert read_profile(path).values.shape == (60, 20)


def test_pssm_errors(tmp_path):
    p = tmp_path / "bad.pssm"
    p.write_text("nothing here\n")
    with pytest.raises(InvalidFileError, match="header"):
        read_pssm(p)
    hdr = "\nLast position...\n           " + "   ".join("ARNDCQEGHILKMFPSTWYV") + "\n"
    p.write_text(hdr + "    1 M   " + " 0" * 20 + "\n    3 K   " + " 0" * 20 + "\n")
    with pytest.raises(InvalidFileError, match="out of order") as e:
        read_pssm(p)
    assert e.value.line == 5


def _tab(vals):
    return "\t".join(vals) + "\t"


HHM = "\n".join([
    "HHsearch 1.5",
    "NAME  toy",
    "LENG  2 match states, 2 columns in multiple alignment",
    "NEFF  1.0",
    "SEQ",
    ">toy",
    "MK",
    "#",
    "NULL   " + _tab(["4000"] * 20),
    "HMM    " + _tab(list(AA_STANDARD)),
    "       " + _tab(["M->M", "M->I", "M->D", "I->M", "I->I", "D->M", "D->D", "Neff", "Neff_I",
                      "Neff_D"]),
    "       " + _tab(["0", "*", "*", "0", "*", "0", "*", "*", "*", "*"]),
    "",
    "M 1    " + _tab(["*"] * 10 + ["0"] + ["*"] * 9) + "1",          # M: p = 1
    "       " + _tab(["0", "*", "*", "*", "*", "*", "*", "1000", "0", "0"]),
    "",
    "K 2    " + _tab(["1000"] * 8 + ["1000"] + ["*"] * 11) + "2",     # 9 residues at p = 0.5
    "       " + _tab(["0", "*", "*", "*", "*", "*", "*", "2500", "0", "0"]),
    "",
    "//",
    ""])


def test_hhm_hand_written(tmp_path):
    p = tmp_path / "toy.hhm"
    p.write_text(HHM)
    prof = read_profile(p)
    assert prof.seq == "MK" and prof.values.shape == (2, 20)
    assert prof.values[0, AA_STANDARD.index("M")] == 1.0 and prof.values[0].sum() == 1.0
    np.testing.assert_allclose(prof.values[1, :9], 0.5)
    assert (prof.values[1, 9:] == 0).all()
    full = read_hhm(p, transitions=True)
    assert full.values.shape == (2, 30) and full.columns[20:] == HHM_EXTRA_COLUMNS
    np.testing.assert_allclose(full.values[:, 20], [1.0, 1.0])        # M->M = 2^0
    np.testing.assert_allclose(full.values[:, 27], [1.0, 2.5])        # Neff / 1000


def test_hhm_truncated_and_bad_value(tmp_path):
    p = tmp_path / "t.hhm"
    p.write_text(HHM.replace("//\n", ""))
    with pytest.raises(InvalidFileError, match="truncated"):
        read_hhm(p)
    p.write_text(HHM.replace("K 2    1000", "K 2    1x00"))
    with pytest.raises(InvalidFileError, match="bad HMM value") as e:
        read_hhm(p)
    assert e.value.line == 17
