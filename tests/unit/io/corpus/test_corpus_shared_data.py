"""Every shared data file reads with the counts in shared/data/MANIFEST.md (skip if absent)."""
from __future__ import annotations

import numpy as np
import pytest

from seqgsn.io.corpus import detect_format, read_corpus

CB513_DIR = "dnss2_blind_test/blind_testdata/CB513/"

# path, expected format, options, chains, residues, evaluated residues (None = all)
CASES = [
    ("scratch1d_sspro", "scratch1d", {}, 5772, 1031455, None),
    ("flip_secondary_structure/splits.zip", "flip", {}, 11156, 2845094, 2658218),
    ("flip_secondary_structure/splits.zip", "flip", {"split": "train"}, 9712, 2479773, 2319963),
    ("flip_secondary_structure/splits.zip", "flip", {"split": "val"}, 1080, 280780, 262853),
    ("flip_secondary_structure/splits.zip", "flip", {"split": "test"}, 364, 84541, 75402),
    ("tianchi2020", "tianchi", {}, 20000, 4130938, None),
    ("pisces_pdb2018", "pisces_csv", {}, 8310, 2017973, None),
    ("icml2014_cb6133filtered", "cb6133_csv", {}, 5137, 1100558, None),
    ("prottrans_netsurfp2_csv/CB513_HHblits.csv", "netsurfp_csv", {}, 511, 144011, 83427),
    (CB513_DIR + "cb513_fasta_label.txt", "three_line", {}, 514, 84701, None),
    (CB513_DIR + "seq_labels.tar.gz", "dnss2_tar", {}, 514, 84701, None),
    (CB513_DIR + "CB513.fasta", "fasta", {}, 514, 84701, None),
    ("casp10_casp11_h5/casp10.h5", "hdf5", {}, 123, 22041, None),
    ("casp10_casp11_h5/casp11.h5", "hdf5", {}, 105, 19201, None),
]


@pytest.mark.parametrize("rel,fmt,opts,chains,residues,evaluated", CASES,
                         ids=[f"{c[0]}{c[2] or ''}" for c in CASES])
def test_manifest_counts(shared, rel, fmt, opts, chains, residues, evaluated):
    path = shared(rel)
    assert detect_format(path) == fmt
    recs = read_corpus(path, **opts)
    assert len(recs) == chains
    assert sum(len(r.seq) for r in recs) == residues
    assert sum(int(r.eval_mask().sum()) for r in recs) == (evaluated or residues)
    assert len({r.id for r in recs}) == chains          # ids unique


def test_tianchi_seq_file_is_detected(shared):
    assert detect_format(shared("tianchi2020/data_seq_train.txt")) == "tianchi"


def test_scratch1d_details(shared):
    recs = read_corpus(shared("scratch1d_sspro"))
    assert recs[0].id == "4gvp_A" and recs[0].meta["header"] == "pdb,4gvp,A,#1"
    assert sum(r.seq.count("X") for r in recs) == 3026
    assert min(map(len, recs)) == 30 and max(map(len, recs)) == 1264
    # 8-state from SSpro8.dssp (I present), 3-state derived with I -> H
    assert sum(r.ss8.count("I") for r in recs) > 0
    r = next(r for r in recs if "I" in r.ss8)
    assert all(r.ss3[i] == "H" for i, c in enumerate(r.ss8) if c == "I")


def test_netsurfp_cb513_evaluated_chains(shared):
    recs = read_corpus(shared("prottrans_netsurfp2_csv/CB513_HHblits.csv"))
    assert recs[0].id == "row1"
    assert sum(bool(r.eval_mask().any()) for r in recs) == 509


def test_dnss2_tar_matches_three_line(shared):
    a = read_corpus(shared(CB513_DIR + "seq_labels.tar.gz"))
    b = read_corpus(shared(CB513_DIR + "cb513_fasta_label.txt"))
    assert [(r.id, r.seq, r.ss8) for r in a] == [(r.id, r.seq, r.ss8) for r in b]


def test_flip_is_three_state_only(shared):
    recs = read_corpus(shared("flip_secondary_structure/splits.zip"), split="test")
    assert all(r.ss8 is None and set(r.ss3) <= set("HEC") for r in recs)
    assert all(r.meta == {"set": "test", "validation": False} for r in recs)


def test_casp_profiles_are_reordered_to_profile_columns(shared):
    """The profile column of a residue's own amino acid should score highest on average."""
    from seqgsn.io.profiles import PROFILE_COLUMNS
    recs = read_corpus(shared("casp10_casp11_h5/casp10.h5"))
    assert all(r.profile.shape == (len(r.seq), 21) and r.profile.dtype == np.float32 for r in recs)
    seq = "".join(r.seq for r in recs)
    prof = np.concatenate([r.profile for r in recs])
    for aa in "ACDEFGHIKLMNPQRSTVWY":
        rows = prof[np.frombuffer(seq.encode(), np.uint8) == ord(aa)]
        assert PROFILE_COLUMNS[int(rows.mean(0).argmax())] == aa


def test_pisces_details(shared):
    """MANIFEST section 7: ids pdb_chain; 148 '*' in 78 chains read as X with labels kept."""
    recs = read_corpus(shared("pisces_pdb2018"))
    assert recs[0].id == "1FV1_F" and recs[0].meta == {"pdb_id": "1FV1", "chain": "F"}
    star = [r for r in recs if "nonstd_positions" in r.meta]
    assert len(star) == 78 and sum(len(r.meta["nonstd_positions"]) for r in star) == 148
    assert all(r.seq[i - 1] == "X" for r in star for i in r.meta["nonstd_positions"])
    assert sum(r.seq.count("X") for r in recs) == 148 and len({r.seq for r in recs}) == 8310
    assert min(map(len, recs)) == 20 and max(map(len, recs)) == 1632


def test_cb6133_details(shared):
    """MANIFEST section 8: 4,979 unique sequences; ids are the file's own, already unique."""
    recs = read_corpus(shared("icml2014_cb6133filtered"))
    assert recs[0].id == "1" and recs[-1].id == "5534"
    assert len({r.seq for r in recs}) == 4979
    assert sum(r.seq.count("X") for r in recs) == 7445
    assert min(map(len, recs)) == 12 and max(map(len, recs)) == 696
