"""Damaged inputs (truncated or with random bytes changed) raise typed seqgsn errors, never others."""
from __future__ import annotations

import gzip
import random

import numpy as np
import pytest

from seqgsn.errors import SeqGSNError
from seqgsn.io.corpus import read_corpus
from seqgsn.io.store import save_corpus
from seqgsn.records import LabeledRecord
from test_corpus_archives import _tar, ssa, write_flip
from test_corpus_onehot import icml_array


def make(kind, d):
    if kind == "flip":
        return write_flip(d / "s.zip")
    if kind == "dnss2_tar":
        return _tar(d / "t.tar.gz", {"a/TS0.8class.ssa": ssa("MKV" * 50, "HEL" * 50),
                                     "a/TS1.8class.ssa": ssa("GG", "LL")})
    if kind in ("npy", "npy.gz"):
        np.save(d / "x.npy", icml_array())
        if kind == "npy":
            return d / "x.npy"
        (d / "x.npy.gz").write_bytes(gzip.compress((d / "x.npy").read_bytes()))
        return d / "x.npy.gz"
    if kind == "h5":
        h5py = pytest.importorskip("h5py")
        a = icml_array().reshape(2, -1, 57)
        with h5py.File(d / "c.h5", "w") as f:
            f["features"] = np.concatenate([a[..., :21], a[..., 35:56], a[..., 21:22]], -1)
            f["labels"] = np.concatenate([a[..., 22:30], a[..., 30:31]], -1).astype(np.uint8)
        return d / "c.h5"
    if kind == "store":
        save_corpus([LabeledRecord("a", "MKV" * 20, "HHE" * 20)], d / "st")
        return d / "st"
    p = d / "n.csv"
    p.write_text("input, dssp3, dssp8, disorder, cb513_mask\nM K,C C,C C,1.0 1.0,1.0 1.0\n")
    return p


@pytest.mark.parametrize("kind", ["flip", "dnss2_tar", "npy", "npy.gz", "h5", "store", "csv"])
def test_damage_gives_typed_errors(tmp_path, kind):
    src = make(kind, tmp_path)
    orig = src.read_bytes()
    rng = random.Random(kind)
    for trial in range(30):
        b = bytearray(orig)
        if trial % 2:
            b = b[:rng.randrange(1, len(b))]
        else:
            for _ in range(3):
                b[rng.randrange(len(b))] = rng.randrange(256)
        q = tmp_path / f"damaged{trial}{''.join(src.suffixes)}"
        q.write_bytes(bytes(b))
        try:
            read_corpus(q)
        except SeqGSNError as e:
            assert e.file is not None and str(q) in e.file
