"""Property tests (hypothesis): the corpus readers on arbitrary and damaged input.

Whatever the bytes, ``read_corpus`` returns records or raises a typed seqgsn error that names the
file; nothing else escapes. Budget: 3,600 generated inputs (sum of max_examples below).
"""
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqgsn.errors import SeqGSNError
from seqgsn.io.corpus import read_corpus
from seqgsn.io.store import save_corpus
from seqgsn.records import LabeledRecord

FAST = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def check(path: Path, fmt=None):
    try:
        recs = read_corpus(path, format=fmt)
    except SeqGSNError as e:
        assert e.file is not None and str(path) in str(e.file) or path.is_dir(), e
        return
    assert isinstance(recs, list)
    for r in recs:
        assert isinstance(r, LabeledRecord) and isinstance(r.seq, str)
        assert r.ss8 is None or len(r.ss8) == len(r.seq)
        assert r.ss3 is None or len(r.ss3) == len(r.seq)


# ------------------------------------------------------------------ text formats from format-like pieces
CSV_PIECES = ["input, dssp3, dssp8, disorder, cb513_mask\n", "input,dssp8\n", "M K V", "a c", "C H E", "H G I",
              ",", "1.0 0.0", "1.0", "nan", "\n", "\r\n", " ", "X", "é", "\x00", '"', "-1"]
THREE_PIECES = [">TS0 |x\n", ">a\n", "MKVLA\n", "LHHHL\n", "EEL\n", "GSW\n", "\n", "\r\n", "mkv", "B", "#", ">"]
FASTA_PIECES = [">a\n", ">b d\n", "ACDEF", "mkvl", "BZX", "*", "-", "\n", "\r\n", "\x00", "é", ">"]


def _text_case(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    return p


@settings(FAST, max_examples=600)
@given(st.lists(st.sampled_from(CSV_PIECES), max_size=30).map("".join))
def test_netsurfp_csv_reader_only_typed_errors(tmp_path_factory, text):
    check(_text_case(tmp_path_factory.mktemp("csv"), "set.csv", text), "netsurfp_csv")


ROW_PIECES = ["pdb_id,chain_code,seq,sst8,sst3,len\n", "id,len,input,expected\n", "1ABC", "A", "MKV", "*",
              "HHC", "LLE", "3", "x", ",", '"', "\n", "\r\n", " ", "é", "\x00"]


@settings(FAST, max_examples=200)
@given(st.lists(st.sampled_from(ROW_PIECES), max_size=30).map("".join),
       st.sampled_from(["pisces_csv", "cb6133_csv"]))
def test_row_csv_readers_only_typed_errors(tmp_path_factory, text, fmt):
    check(_text_case(tmp_path_factory.mktemp("rowcsv"), "rows.csv", text), fmt)
    check(_text_case(tmp_path_factory.mktemp("rowcsv"), "rows.csv", text))


@settings(FAST, max_examples=600)
@given(st.lists(st.sampled_from(THREE_PIECES), max_size=30).map("".join))
def test_three_line_reader_only_typed_errors(tmp_path_factory, text):
    check(_text_case(tmp_path_factory.mktemp("tl"), "cb_label.txt", text), "three_line")


@settings(FAST, max_examples=400)
@given(st.lists(st.sampled_from(FASTA_PIECES), max_size=30).map("".join),
       st.lists(st.sampled_from(FASTA_PIECES + ["HHEE", "CCS", "GIBT"]), max_size=30).map("".join))
def test_scratch1d_folder_reader_only_typed_errors(tmp_path_factory, seqs, labels):
    d = tmp_path_factory.mktemp("scratch")
    (d / "Proteins.fa").write_text(seqs, encoding="utf-8")
    (d / "SSpro8.dssp").write_text(labels, encoding="utf-8")
    check(d, "scratch1d")


@settings(FAST, max_examples=600)
@given(st.binary(max_size=400))
def test_format_detection_on_arbitrary_bytes_only_typed_errors(tmp_path_factory, data):
    check(_write(tmp_path_factory.mktemp("any") / "x.dat", data))


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------ binary formats: damaged valid files
def _flip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("splits/sequences.fasta", ">1aaa-A\nMKVLA\n>2bbb-B\nGSWY\n")
        z.writestr("splits/sampled.fasta", ">1aaa-A SET=train VALIDATION=False\nCHHHC\n"
                                           ">2bbb-B SET=test VALIDATION=False\nEECC\n")
        z.writestr("splits/mask.fasta", ">1aaa-A\n01111\n>2bbb-B\n1111\n")
    return buf.getvalue()


def _dnss2() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in {"a/TS0.8class.ssa": ">TS0\nMKVLA\nHHHEL\n", "a/TS1.8class.ssa": ">TS1\nGG\nLL\n"}.items():
            b = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(b)
            t.addfile(info, io.BytesIO(b))
    return buf.getvalue()


def _npy() -> bytes:
    a = np.zeros((2, 700, 57), np.float32)
    a[:, :, 21] = a[:, :, 30] = 1
    for k in range(2):
        for i in range(5):
            a[k, i, 21] = a[k, i, 30] = 0
            a[k, i, i % 20] = 1
            a[k, i, 22 + i % 8] = 1
    buf = io.BytesIO()
    np.save(buf, a.reshape(2, -1))
    return buf.getvalue()


def _store(tmp: Path) -> bytes:
    save_corpus([LabeledRecord("a", "MKV" * 20, "HHE" * 20), LabeledRecord("b", "GSW", None)], tmp / "st")
    return (tmp / "st").read_bytes()


damage = st.tuples(st.floats(0.0, 1.0),                                             # keep this fraction
                   st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6))


def _damaged(orig: bytes, how) -> bytes:
    keep, edits = how
    b = bytearray(orig[:max(1, int(len(orig) * keep))] if keep < 0.98 else orig)
    for where, val in edits:
        b[min(len(b) - 1, int(where * len(b)))] = val
    return bytes(b)


DAMAGED = {   # format -> (file name, builder of a valid file's bytes)
    "flip": ("splits.zip", lambda tmp: _flip()),
    "dnss2_tar": ("seq_labels.tar.gz", lambda tmp: _dnss2()),
    "icml_npy": ("x.npy", lambda tmp: _npy()),
    "store": ("c.sgc", _store),
}


@pytest.mark.parametrize("fmt", sorted(DAMAGED))
@settings(FAST, max_examples=300)
@given(how=damage)
def test_damaged_binary_corpus_only_typed_errors(tmp_path_factory, fmt, how):
    tmp = tmp_path_factory.mktemp(fmt)
    name, build = DAMAGED[fmt]
    check(_write(tmp / name, _damaged(build(tmp), how)), fmt)
