"""One-chain-per-row CSV readers (pisces_csv, cb6133_csv) on tiny hand-written files."""
from __future__ import annotations

import pytest

from seqgsn.errors import AlphabetError, InvalidFileError, LabelMismatchError
from seqgsn.io.corpus import detect_format, read_corpus

PISCES_HEADER = "pdb_id,chain_code,seq,sst8,sst3,len,has_nonstd_aa,Exptl.,resolution,R-factor,FreeRvalue\n"
CB_HEADER = "id,len,input,expected\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.fixture
def pisces(tmp_path):
    return write(tmp_path, "pisces.csv", PISCES_HEADER
                 + "1ABC,A,MKVLAG,CHHHHC,CHHHHC,6,False,XRAY,1.9,0.2,0.25\n"
                 + "2XYZ,B,*GSIW*,CGGIEC,CHHHEC,6,True,XRAY,1.2,0.1,0.15\n"
                 + "\n"
                 + "1ABC,A,MKV,BTS,ECC,3,False,XRAY,2.0,0.2,0.2\n")


@pytest.fixture
def cb6133(tmp_path):
    return write(tmp_path, "cb.csv", CB_HEADER + "7,5,MKXLA,LHHHL\n12,3,GSW,EEB\n7,2,AC,LL\n")


# --- pisces_csv ----------------------------------------------------------------------------

def test_pisces_records_ids_and_derived_three_state(pisces):
    assert detect_format(pisces) == "pisces_csv"
    a, b, c = read_corpus(pisces)
    assert (a.id, a.seq, a.ss8, a.line) == ("1ABC_A", "MKVLAG", "CHHHHC", 2)
    assert a.meta == {"pdb_id": "1ABC", "chain": "A"}
    assert c.id == "1ABC_A_2" and c.line == 5          # repeated pdb_id+chain: made unique, in order
    # 3-state from sst8 (G, I -> H), not the file's sst3 column (which says C H H H E C here)
    assert b.ss3 == "CHHHEC"


def test_pisces_star_is_an_unknown_residue_with_its_label_kept(pisces):
    _, b, _ = read_corpus(pisces)
    assert b.seq == "XGSIWX" and b.ss8 == "CGGIEC"
    assert b.meta["nonstd_positions"] == [1, 6]
    assert b.mask is None and b.eval_mask().all()      # scored like any X residue


def test_pisces_generic_four_column_csv(tmp_path):
    p = write(tmp_path, "mine.csv", "pdb_id,chain_code,seq,sst8\n9ABC,C,acdef,EEEBC\n")
    assert detect_format(p) == "pisces_csv"
    (r,) = read_corpus(p)
    assert (r.id, r.seq, r.ss8, r.ss3) == ("9ABC_C", "ACDEF", "EEEBC", "EEEEC")


def test_pisces_without_chain_column_quoted_fields_and_spaces(tmp_path):
    p = write(tmp_path, "x.csv", 'PDB_ID, Seq, SST8\r\n"4XYZ", "MKV", "HHC"\r\n')
    (r,) = read_corpus(p)
    assert (r.id, r.seq, r.ss8) == ("4XYZ", "MKV", "HHC")


@pytest.mark.parametrize("row,err,match,pos", [
    ("3DEF,A,MKVL,CHHC,CHHC,5,False,X,1,1,1", InvalidFileError, "'len' says 5", None),
    ("3DEF,A,MKVL,CHH,CHHC,4,False,X,1,1,1", LabelMismatchError, "length 3", None),
    ("3DEF,A,MKVL,CHLC,CHHC,4,False,X,1,1,1", AlphabetError, "8-state", 3),
    ("3DEF,A,MK1L,CHHC,CHHC,4,False,X,1,1,1", AlphabetError, "residue", 3),
    ("3DEF,A,MKVL,CHHC,CHHC,4,False", InvalidFileError, "7 fields", None),
    ("3DEF,A,MKVL,CHHC,CHHC,four,False,X,1,1,1", InvalidFileError, "not an integer", None),
])
def test_pisces_malformed_row_names_file_record_line(tmp_path, row, err, match, pos):
    p = write(tmp_path, "bad.csv", PISCES_HEADER + "1ABC,A,MKV,CHC,CHC,3,False,X,1,1,1\n" + row + "\n")
    with pytest.raises(err, match=match) as e:
        read_corpus(p)
    assert e.value.file == str(p) and e.value.line == 3
    assert e.value.record in ("3DEF_A", "row2")
    assert e.value.position == pos


def test_pisces_missing_column_and_empty_id(tmp_path):
    p = write(tmp_path, "x.csv", "pdb_id,chain_code,seq\n1ABC,A,MKV\n")
    with pytest.raises(InvalidFileError, match="sst8") as e:
        read_corpus(p, format="pisces_csv")
    assert e.value.line == 1
    p = write(tmp_path, "y.csv", "pdb_id,chain_code,seq,sst8\n,A,MKV,HHH\n")
    with pytest.raises(InvalidFileError, match="empty pdb_id") as e:
        read_corpus(p)
    assert (e.value.record, e.value.line) == ("row1", 2)


# --- cb6133_csv ----------------------------------------------------------------------------

def test_cb6133_records_coil_and_ids(cb6133):
    assert detect_format(cb6133) == "cb6133_csv"
    a, b, c = read_corpus(cb6133)
    assert (a.id, a.seq, a.ss8, a.ss3) == ("7", "MKXLA", "CHHHC", "CHHHC")
    assert (b.id, b.ss8, b.ss3, b.line, b.meta) == ("12", "EEB", "EEE", 3, {"row": 2})
    assert c.id == "7_2"                               # a repeated id is made unique, in file order


@pytest.mark.parametrize("row,err,match", [
    ("9,6,MKVL,LHHL", InvalidFileError, "'len' says 6"),
    ("9,5,MKVLA,LHHL", LabelMismatchError, "length 4"),
    ("9,5,MKVLA,LHHLQ", AlphabetError, "8-state"),
    ("9,5,MKVLA", InvalidFileError, "3 fields"),
    (",5,MKVLA,LLLLL", InvalidFileError, "empty id"),
])
def test_cb6133_malformed_row_names_file_record_line(tmp_path, row, err, match):
    p = write(tmp_path, "bad.csv", CB_HEADER + "1,2,MK,LL\n" + row + "\n")
    with pytest.raises(err, match=match) as e:
        read_corpus(p)
    assert e.value.file == str(p) and e.value.line == 3 and e.value.record in ("9", "row2")


# --- folders -------------------------------------------------------------------------------

def test_folder_with_one_csv_reads_as_that_file(tmp_path, pisces):
    d = tmp_path / "pisces_like"
    d.mkdir()
    (d / "table.csv").write_bytes(pisces.read_bytes())
    (d / "README.md").write_text("docs are ignored\n")
    assert detect_format(d) == "pisces_csv"
    assert [r.id for r in read_corpus(d)] == ["1ABC_A", "2XYZ_B", "1ABC_A_2"]
    assert len(read_corpus(d, format="pisces_csv")) == 3
    (d / "other.csv").write_text("x\n")
    with pytest.raises(InvalidFileError, match="folder"):
        read_corpus(d)
    with pytest.raises(InvalidFileError, match="exactly one data file"):
        read_corpus(d, format="pisces_csv")


def test_pisces_terminal_coil_option_unlabels_long_terminal_coil(tmp_path):
    from seqgsn.errors import ConfigError
    p = write(tmp_path, "t.csv", "pdb_id,chain_code,seq,sst8\n"
              + "1AAA,A,MKVLAGSTWQ,CCCCHHHCCC\n"        # core 4..6; keep 1: positions 3..7
              + "1BBB,A,MKV,CCC\n")                     # no structured residue at all
    a, b = read_corpus(p, terminal_coil="1")
    assert a.mask.tolist() == [False] * 3 + [True] * 5 + [False] * 2
    assert a.ss8 == "CCCCHHHCCC" and not b.mask.any()    # labels kept, only their use is masked
    assert read_corpus(p)[0].mask is None                # default: every label as the file has it
    with pytest.raises(ConfigError, match="terminal_coil"):
        read_corpus(p, terminal_coil="-2")
