"""ICML-2014 .npy(.gz) and CASP-style .h5 readers on small arrays built in the documented layouts."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from seqgsn.errors import InvalidFileError
from seqgsn.io.corpus import detect_format, read_corpus
from seqgsn.io.profiles import PROFILE_COLUMNS

ICML_AA = "ACEDGFIHKMLNQPSRTWVYX"
ICML_SS = "LBEGIHST"
STORED_PROF = "ACDEFGHIKLMNPQRSTVWXY"
CHAINS = [("MKVLAX", "LHHGGE"), ("WYC", "BST")]
T = 12   # padded length (700 in the real files; the layout does not depend on it)


def icml_array(chains=CHAINS, unlabelled_pos=None):
    """[N, T*57] in the CullPDB layout; profile: 0.9 in the residue's own column, 0.1 elsewhere."""
    a = np.zeros((len(chains), T, 57), np.float32)
    a[:, :, 21] = 1          # NoSeq residue flag on padding
    a[:, :, 30] = 1          # NoSeq label on padding
    for k, (seq, ss) in enumerate(chains):
        for i, (r, s) in enumerate(zip(seq, ss)):
            a[k, i, 21] = a[k, i, 30] = 0
            a[k, i, ICML_AA.index(r)] = 1
            if (k, i) != unlabelled_pos:
                a[k, i, 22 + ICML_SS.index(s)] = 1
            a[k, i, 35:56] = 0.1
            a[k, i, 35 + STORED_PROF.index(r)] = 0.9
    return a.reshape(len(chains), T * 57)


def check(recs):
    assert [(r.id, r.seq, r.ss8) for r in recs] == [("row1", "MKVLAX", "CHHGGE"),
                                                     ("row2", "WYC", "BST")]
    for r in recs:
        assert r.profile.shape == (len(r.seq), 21) and r.profile.dtype == np.float32
        assert "".join(PROFILE_COLUMNS[j] for j in r.profile.argmax(1)) == r.seq


def test_icml_npy_and_gz(tmp_path):
    p = tmp_path / "cullpdb.npy"
    np.save(p, icml_array())
    assert detect_format(p) == "icml_npy"
    check(read_corpus(p))
    g = tmp_path / "cullpdb.npy.gz"
    g.write_bytes(gzip.compress(p.read_bytes()))
    assert detect_format(g) == "icml_npy"
    check(read_corpus(g))


def test_icml_unlabelled_residue_is_masked(tmp_path):
    p = tmp_path / "x.npy"
    np.save(p, icml_array(unlabelled_pos=(0, 2)))
    r = read_corpus(p)[0]
    assert r.seq == "MKVLAX" and r.ss8[2] == "C" and r.mask.tolist() == [1, 1, 0, 1, 1, 1]


def test_icml_errors(tmp_path):
    p = tmp_path / "x.npy"
    np.save(p, np.zeros((2, 10)))
    with pytest.raises(InvalidFileError, match="expected shape"):
        read_corpus(p)
    a = icml_array().reshape(2, T, 57)
    a[0, 1, :21] = 0                                   # hole inside chain 1
    np.save(p, a)
    with pytest.raises(InvalidFileError, match="prefix") as e:
        read_corpus(p)
    assert (e.value.record, e.value.position) == ("row1", 2)
    np.save(p, np.array(["a", "b"], dtype=object), allow_pickle=True)
    with pytest.raises(InvalidFileError):              # object arrays are never unpickled
        read_corpus(p, format="icml_npy")


def test_hdf5_casp_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    a = icml_array().reshape(2, T, 57)
    feats = np.zeros((2, T, 43))
    feats[..., :21] = a[..., :21]
    feats[..., 21:42] = a[..., 35:56]
    feats[..., 42] = a[..., 21]
    labels = np.zeros((2, T, 9), np.uint8)
    labels[..., :8] = a[..., 22:30]
    labels[..., 8] = 1 - labels[..., :8].sum(-1)
    labels[0, 0, 8] = 1                                # stray NoSeq bit on a residue: ignored
    p = tmp_path / "casp.h5"
    with h5py.File(p, "w") as f:
        f["features"] = feats
        f["labels"] = labels
    assert detect_format(p) == "hdf5"
    check(read_corpus(p))
    with h5py.File(p, "w") as f:
        f["features"] = feats
    with pytest.raises(InvalidFileError, match="labels"):
        read_corpus(p)


def test_profile_option_accepts_entry_strings(tmp_path):
    from seqgsn.errors import ConfigError
    p = tmp_path / "x.npy"
    np.save(p, icml_array())
    assert read_corpus(p, profile="false")[0].profile is None
    assert read_corpus(p, profile="1")[0].profile.shape == (6, 21)
    with pytest.raises(ConfigError, match="profile"):
        read_corpus(p, profile="maybe")
