"""Corpus-layer test fixtures: shared-data paths (skip when absent), tiny synthetic corpora."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_shared


@pytest.fixture
def shared():
    """Return a function rel_path -> absolute path in shared data, skipping the test if absent."""
    def get(rel: str) -> Path:
        return require_shared(rel)      # skips, or fails under CI=true
    return get


@pytest.fixture
def scratch_dir(tmp_path) -> Path:
    """A 3-chain SCRATCH-1D folder (includes a repeated chain '#2' and a 3-state file to ignore)."""
    d = tmp_path / "scratch"
    d.mkdir()
    heads = [">pdb,1abc,A,#1", ">pdb,2xyz,B,#1", ">pdb,1abc,A,#2"]
    seqs = ["MKVLA", "GSXWY", "MKVLAE"]
    ss8 = ["CHHHC", "EEBTS", "CGGGIC"]
    (d / "Proteins.fa").write_text("".join(f"{h}\n{s}\n" for h, s in zip(heads, seqs)))
    (d / "SSpro8.dssp").write_text("".join(f"{h}\n{s}\n" for h, s in zip(heads, ss8)))
    (d / "SSpro.dssp").write_text("".join(f"{h}\n{'C' * len(s)}\n" for h, s in zip(heads, seqs)))
    return d


@pytest.fixture
def netsurfp_csv(tmp_path) -> Path:
    p = tmp_path / "set.csv"
    p.write_text("input, dssp3, dssp8, disorder, cb513_mask\n"
                 "M K V L,C H H C,C H G C,1.0 1.0 0.0 1.0,0.0 1.0 1.0 1.0\n"
                 "a c d,E E C,E B S,1.0 1.0 1.0,1.0 1.0 1.0\n")
    return p


@pytest.fixture
def three_line(tmp_path) -> Path:
    p = tmp_path / "cb_label.txt"
    p.write_text(">TS0 |PDBID|CHAIN|SEQUENCE\nMKVLA\nLHHHL\n\n>TS1 |x\nGSW\nEEL\n\n")
    return p


@pytest.fixture
def tianchi_dir(tmp_path) -> Path:
    """Seq/sec pair with CRLF endings and coil written as spaces (also leading/trailing)."""
    d = tmp_path / "tianchi"
    d.mkdir()
    (d / "data_seq_train.txt").write_bytes(b"MKVLAG\r\nGSWY\r\n")
    (d / "data_sec_train.txt").write_bytes(b" HHH  \r\nEE T\r\n")
    return d
