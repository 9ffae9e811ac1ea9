"""FLIP splits.zip and DNSS2 seq_labels.tar.gz readers on small archives built here."""
from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from seqgsn.errors import ConfigError, InvalidFileError, LabelMismatchError
from seqgsn.io.corpus import detect_format, read_corpus

FLIP = [("1aaa-A", "MKVLA", "CHHHC", "01111", "train", "False"),
        ("2bbb-B", "GSWY", "EECC", "1111", "train", "True"),
        ("3ccc-C", "PPGX", "CCEE", "1110", "test", "False")]


def write_flip(path, rows=FLIP, swap_mask=False):
    seqs = "".join(f">{i}\n{s}\n" for i, s, *_ in rows)
    labs = "".join(f">{i} SET={st} VALIDATION={v}\n{lab}\n" for i, _, lab, _, st, v in rows)
    masks = [f">{i}\n{m}\n" for i, _, _, m, *_ in rows]
    if swap_mask:
        masks[0], masks[1] = masks[1], masks[0]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("splits/sequences.fasta", seqs)
        z.writestr("splits/sampled.fasta", labs)
        z.writestr("splits/mask.fasta", "".join(masks))
    return path


def test_flip_splits_mask_meta(tmp_path):
    p = write_flip(tmp_path / "splits.zip")
    assert detect_format(p) == "flip"
    recs = read_corpus(p)
    assert [r.id for r in recs] == ["1aaa-A", "2bbb-B", "3ccc-C"]
    a = recs[0]
    assert a.ss8 is None and a.ss3 == "CHHHC" and a.mask.tolist() == [False, True, True, True, True]
    assert a.meta == {"set": "train", "validation": False}
    assert [r.id for r in read_corpus(p, split="train")] == ["1aaa-A"]
    assert [r.id for r in read_corpus(p, split="val")] == ["2bbb-B"]
    assert [r.id for r in read_corpus(p, split="test")] == ["3ccc-C"]


def test_flip_errors(tmp_path):
    p = write_flip(tmp_path / "splits.zip")
    with pytest.raises(ConfigError, match="split"):
        read_corpus(p, split="dev")
    q = write_flip(tmp_path / "swapped.zip", swap_mask=True)
    with pytest.raises(LabelMismatchError, match="out of order") as e:
        read_corpus(q)
    assert "mask.fasta" in e.value.file and e.value.line == 1
    bad = list(FLIP)
    bad[1] = ("2bbb-B", "GSWY", "EEC", "1111", "train", "True")
    with pytest.raises(LabelMismatchError) as e:
        read_corpus(write_flip(tmp_path / "short.zip", bad))
    assert "sampled.fasta" in e.value.file and (e.value.record, e.value.line) == ("2bbb-B", 3)


def test_unknown_option_is_config_error(tmp_path, three_line):
    with pytest.raises(ConfigError, match="split"):
        read_corpus(three_line, split="train")


def _tar(path, members: dict):
    with tarfile.open(path, "w:gz") as t:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


def ssa(seq, lab):
    return "#\tAA\tStruct\tRSA\n" + "".join(f"{i}\t{a}\t{s}\t0\n"
                                            for i, (a, s) in enumerate(zip(seq, lab), 1))


def test_dnss2_tar_natural_order_and_coil(tmp_path):
    p = _tar(tmp_path / "seq_labels.tar.gz", {
        "seq_labels/TS10.8class.ssa": ssa("GG", "LL"),
        "seq_labels/TS2.8class.ssa": ssa("MKV", "LHE"),
        "seq_labels/TS2.ssa": ssa("MKV", "CHE"),         # 3-state member: ignored
    })
    assert detect_format(p) == "dnss2_tar"
    recs = read_corpus(p)
    assert [(r.id, r.seq, r.ss8) for r in recs] == [("TS2", "MKV", "CHE"), ("TS10", "GG", "CC")]


def test_dnss2_tar_bad_row_located(tmp_path):
    p = _tar(tmp_path / "x.tar.gz", {"seq_labels/TS0.8class.ssa": "#\tAA\tStruct\n1\tM\tH\n2\tK\n"})
    with pytest.raises(InvalidFileError) as e:
        read_corpus(p, format="dnss2_tar")
    assert e.value.file.endswith("x.tar.gz:seq_labels/TS0.8class.ssa") and e.value.line == 3


def test_truncated_archives_are_clean_errors(tmp_path):
    z = write_flip(tmp_path / "splits.zip")
    z.write_bytes(z.read_bytes()[:60])
    with pytest.raises(InvalidFileError):
        read_corpus(z, format="flip")
    t = _tar(tmp_path / "t.tar.gz", {"a/TS0.8class.ssa": ssa("MK" * 400, "HE" * 400)})
    t.write_bytes(t.read_bytes()[:-30])
    with pytest.raises(InvalidFileError):
        read_corpus(t)
