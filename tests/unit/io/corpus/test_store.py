"""seqgsn corpus file: exact round trip, detection, and refusal of damaged files."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from seqgsn.errors import InvalidFileError
from seqgsn.io import store
from seqgsn.io.corpus import detect_format, read_corpus
from seqgsn.io.store import load_corpus, save_corpus
from seqgsn.records import LabeledRecord


def sample():
    rng = np.random.default_rng(0)
    return [
        LabeledRecord("a", "MKVLA", "CHHGC", source="s.fa", line=3,
                      meta={"header": "pdb,x", "n": 1}),
        LabeledRecord("b", "GSW", None, ss3="HEC", mask=np.array([True, False, True])),
        LabeledRecord("c", "XY", "EB", profile=rng.random((2, 21), dtype=np.float32)),
        LabeledRecord("d", "P"),
    ]


def same(a, b):
    assert (a.id, a.seq, a.ss8, a.ss3, a.source, a.line, a.meta) == \
           (b.id, b.seq, b.ss8, b.ss3, b.source, b.line, b.meta)
    assert (a.mask is None) == (b.mask is None) and (a.profile is None) == (b.profile is None)
    if a.mask is not None:
        assert np.array_equal(a.mask, b.mask)
    if a.profile is not None:
        assert np.array_equal(a.profile, b.profile) and b.profile.dtype == np.float32


def test_round_trip_and_detection(tmp_path):
    p = tmp_path / "c.seqgsn"
    recs = sample()
    save_corpus(recs, p)
    assert detect_format(p) == "store"
    for x, y in zip(recs, read_corpus(p)):
        same(x, y)
    out = load_corpus(p)
    out[1].mask[0] = True                      # loaded arrays are writable
    assert out[3].ss8 is None and out[3].ss3 is None


def test_empty_corpus(tmp_path):
    save_corpus([], tmp_path / "e")
    assert load_corpus(tmp_path / "e") == []


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "tail", "magic"])
def test_damaged_file_is_invalid(tmp_path, damage):
    p = tmp_path / "c.seqgsn"
    save_corpus(sample(), p)
    b = bytearray(p.read_bytes())
    if damage == "truncate":
        b = b[: len(b) // 2]
    elif damage == "flip_byte":
        b[len(b) // 2] ^= 0x40
    elif damage == "tail":
        b = b[:-1]
    else:
        b[1] ^= 1
    p.write_bytes(bytes(b))
    with pytest.raises(InvalidFileError) as e:
        load_corpus(p)
    assert e.value.file == str(p)


def test_newer_version_refused(tmp_path):
    p = tmp_path / "c.seqgsn"
    save_corpus(sample(), p)
    b = bytearray(p.read_bytes())
    struct.pack_into("<I", b, len(store.MAGIC), store.FORMAT_VERSION + 1)
    p.write_bytes(bytes(b))
    with pytest.raises(InvalidFileError, match="newer"):
        load_corpus(p)


def test_unserialisable_meta_is_clean_error_and_leaves_no_file(tmp_path):
    p = tmp_path / "c.seqgsn"
    with pytest.raises(InvalidFileError, match="JSON"):
        save_corpus([LabeledRecord("a", "M", meta={"x": object()})], p)
    assert list(tmp_path.iterdir()) == []


records_st = st.lists(
    st.integers(1, 30).flatmap(lambda n: st.tuples(
        st.text("ACDEFGHIKLMNPQRSTVWYX", min_size=n, max_size=n),
        st.none() | st.text("HGIEBTSC", min_size=n, max_size=n),
        st.none() | st.lists(st.booleans(), min_size=n, max_size=n))),
    max_size=6)


@settings(max_examples=25, deadline=None)
@given(records_st)
def test_round_trip_property(tmp_path_factory, rows):
    p = tmp_path_factory.mktemp("prop") / "c"
    recs = [LabeledRecord(f"r{i}", s, lab, mask=None if m is None else np.array(m))
            for i, (s, lab, m) in enumerate(rows)]
    save_corpus(recs, p)
    for x, y in zip(recs, load_corpus(p), strict=True):
        same(x, y)
