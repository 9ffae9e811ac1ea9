"""Text corpus readers on tiny synthetic files: records, ids, labels, masks, and located errors."""
from __future__ import annotations

import numpy as np
import pytest

from seqgsn.errors import AlphabetError, InvalidFileError, LabelMismatchError
from seqgsn.io.corpus import read_corpus


# --- scratch1d ---------------------------------------------------------------------------

def test_scratch1d_records(scratch_dir):
    recs = read_corpus(scratch_dir)
    assert [r.id for r in recs] == ["1abc_A", "2xyz_B", "1abc_A_2"]
    assert recs[1].seq == "GSXWY" and recs[1].ss8 == "EEBTS" and recs[1].ss3 == "EEECC"
    assert recs[2].ss3 == "CHHHHC"                     # I -> H, not SSpro.dssp's I -> C
    assert recs[0].meta == {"header": "pdb,1abc,A,#1"} and recs[0].line == 1
    assert read_corpus(scratch_dir / "Proteins.fa")[0].id == "1abc_A"


def test_scratch1d_length_mismatch_names_file_record_line(scratch_dir):
    p = scratch_dir / "SSpro8.dssp"
    p.write_text(p.read_text().replace("EEBTS", "EEBT"))
    with pytest.raises(LabelMismatchError) as e:
        read_corpus(scratch_dir)
    assert e.value.file.endswith("SSpro8.dssp") and e.value.record == "2xyz_B" and e.value.line == 3


def test_scratch1d_order_mismatch(scratch_dir):
    p = scratch_dir / "SSpro8.dssp"
    p.write_text(p.read_text().replace(">pdb,2xyz,B,#1", ">pdb,9zzz,B,#1"))
    with pytest.raises(LabelMismatchError, match="same order") as e:
        read_corpus(scratch_dir)
    assert e.value.line == 3


def test_scratch1d_record_count_mismatch(scratch_dir):
    p = scratch_dir / "SSpro8.dssp"
    p.write_text("\n".join(p.read_text().splitlines()[:4]) + "\n")
    with pytest.raises(LabelMismatchError, match="3 records") as e:
        read_corpus(scratch_dir)
    assert e.value.file.endswith("Proteins.fa") and e.value.line == 5


def test_scratch1d_bad_residue_and_label(scratch_dir):
    p = scratch_dir / "Proteins.fa"
    p.write_text(p.read_text().replace("GSXWY", "GS1WY"))
    with pytest.raises(AlphabetError) as e:
        read_corpus(scratch_dir)
    assert (e.value.record, e.value.line, e.value.position) == ("2xyz_B", 4, 3)
    p.write_text(p.read_text().replace("GS1WY", "GSXWY"))
    q = scratch_dir / "SSpro8.dssp"
    q.write_text(q.read_text().replace("EEBTS", "EEBTQ"))
    with pytest.raises(AlphabetError) as e:
        read_corpus(scratch_dir)
    assert e.value.file.endswith("SSpro8.dssp")
    assert (e.value.record, e.value.line, e.value.position) == ("2xyz_B", 4, 5)


def test_scratch1d_missing_file(tmp_path):
    (tmp_path / "Proteins.fa").write_text(">a\nM\n")
    with pytest.raises(InvalidFileError, match="SSpro8.dssp"):
        read_corpus(tmp_path, format="scratch1d")


# --- netsurfp_csv ------------------------------------------------------------------------

def test_netsurfp_mask_is_disorder_and_cb513(netsurfp_csv):
    a, b = read_corpus(netsurfp_csv)
    assert (a.id, a.seq, a.ss8, a.ss3) == ("row1", "MKVL", "CHGC", "CHHC")
    assert a.mask.tolist() == [False, True, False, True]
    assert b.seq == "ACD" and b.mask.all() and b.line == 3


def test_netsurfp_without_cb513_column_uses_disorder(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("input,dssp8,disorder\nM K,H C,0.0 1.0\n")
    (r,) = read_corpus(p)
    assert r.mask.tolist() == [False, True]


@pytest.mark.parametrize("row,err,match", [
    ("M K,C C,C C,1.0 x,1.0 1.0", InvalidFileError, "not a number"),
    ("M K,C C,C C,1.0,1.0 1.0", LabelMismatchError, "disorder"),
    ("M K,C C,C C,1.0 1.0", InvalidFileError, "4 fields"),
    ("M K,C C,C,1.0 1.0,1.0 1.0", LabelMismatchError, "length 1"),
])
def test_netsurfp_errors_name_row_and_line(tmp_path, row, err, match):
    p = tmp_path / "x.csv"
    p.write_text("input, dssp3, dssp8, disorder, cb513_mask\nA,C,C,1.0,1.0\n" + row + "\n")
    with pytest.raises(err, match=match) as e:
        read_corpus(p)
    assert (e.value.record, e.value.line) == ("row2", 3)


# --- three_line --------------------------------------------------------------------------

def test_three_line_coil_alias(three_line):
    a, b = read_corpus(three_line)
    assert (a.id, a.seq, a.ss8) == ("TS0", "MKVLA", "CHHHC")
    assert a.meta == {"description": "|PDBID|CHAIN|SEQUENCE"}
    assert (b.id, b.ss8, b.line) == ("TS1", "EEC", 5)


def test_three_line_wrong_line_count(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text(">a\nMK\nHH\n>b\nMK\nHH\nHH\n")
    with pytest.raises(InvalidFileError, match="found 3") as e:
        read_corpus(p, format="three_line")
    assert (e.value.record, e.value.line) == ("b", 4)


# --- tianchi -----------------------------------------------------------------------------

def test_tianchi_space_is_coil_never_stripped(tianchi_dir):
    for src in (tianchi_dir, tianchi_dir / "data_seq_train.txt",
                tianchi_dir / "data_sec_train.txt"):
        a, b = read_corpus(src)
        assert (a.id, a.seq, a.ss8) == ("row1", "MKVLAG", "CHHHCC")
        assert (b.id, b.seq, b.ss8, b.line) == ("row2", "GSWY", "EECT", 2)


def test_tianchi_length_and_line_mismatch(tianchi_dir):
    sec = tianchi_dir / "data_sec_train.txt"
    sec.write_bytes(b" HHH  \r\nEE \r\n")
    with pytest.raises(LabelMismatchError) as e:
        read_corpus(tianchi_dir)
    assert (e.value.record, e.value.line) == ("row2", 2) and e.value.file.endswith("sec_train.txt")
    sec.write_bytes(b" HHH  \r\n")
    with pytest.raises(LabelMismatchError, match="2 lines"):
        read_corpus(tianchi_dir)


# --- fasta -------------------------------------------------------------------------------

def test_plain_fasta_unlabelled(tmp_path):
    p = tmp_path / "x.fa"
    p.write_text(">a first\nmkv\nLA\n>a\nGG\n")
    a, b = read_corpus(p)
    assert (a.id, a.seq, a.ss8, a.ss3) == ("a", "MKVLA", None, None)
    assert a.meta == {"description": "first"}
    assert b.id == "a_2"
    p.write_text(">a\nMKV\nL*A\n")
    with pytest.raises(AlphabetError) as e:
        read_corpus(p)
    assert (e.value.line, e.value.record) == (3, "a")


def test_non_ascii_text_is_located(tmp_path):
    p = tmp_path / "x.fa"
    p.write_bytes(b">a\nMK\n>b\nM\xc3\xa9\n")
    with pytest.raises(InvalidFileError, match="non-ASCII") as e:
        read_corpus(p, format="fasta")
    assert e.value.line == 4
