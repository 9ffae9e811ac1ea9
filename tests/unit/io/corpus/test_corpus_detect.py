"""detect_format on content and names; format= overrides; unknown inputs are clean errors."""
from __future__ import annotations

import pytest

from seqgsn.errors import ConfigError, InvalidFileError
from seqgsn.io.corpus import FORMATS, detect_format, get_reader, read_corpus


def test_detects_text_formats(scratch_dir, netsurfp_csv, three_line, tianchi_dir, tmp_path):
    fa = tmp_path / "plain.fa"
    fa.write_text(">a\nMKVLA\n>b\nGG\n")
    assert detect_format(scratch_dir) == "scratch1d"
    assert detect_format(scratch_dir / "SSpro8.dssp") == "scratch1d"
    assert detect_format(netsurfp_csv) == "netsurfp_csv"
    assert detect_format(three_line) == "three_line"
    assert detect_format(tianchi_dir) == "tianchi"
    assert detect_format(tianchi_dir / "data_sec_train.txt") == "tianchi"
    assert detect_format(fa) == "fasta"


def test_format_override(three_line):
    # A three-line file read as FASTA: labels become part of the sequence, no ss8
    recs = read_corpus(three_line, format="fasta")
    assert recs[0].seq == "MKVLALHHHL" and recs[0].ss8 is None


def test_unknown_inputs(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(InvalidFileError, match="binary"):
        detect_format(p)
    t = tmp_path / "x.txt"
    t.write_text("hello world\n")
    with pytest.raises(InvalidFileError, match="format") as e:
        read_corpus(t)
    assert e.value.file == str(t)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidFileError, match="folder"):
        read_corpus(tmp_path / "empty")
    with pytest.raises(InvalidFileError, match="no such"):
        read_corpus(tmp_path / "missing.fa")
    with pytest.raises(ConfigError, match="unknown corpus format"):
        read_corpus(t, format="nope")
    c = tmp_path / "plain.cif"
    c.write_text("data_1ABC\n_entry.id 1ABC\n")
    with pytest.raises(InvalidFileError, match="from-structures"):
        detect_format(c)


def test_every_registered_reader_imports():
    for name in FORMATS:
        assert callable(get_reader(name))
