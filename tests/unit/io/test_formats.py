"""Output writers: exact layouts (fasta, ss2, horiz, jsonl, tsv), streaming, ss2 round trip."""
import io
import json

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.errors import ConfigError
from seqgsn.io.formats import (FORMATS, HFORMAT, TSV_HEADER, VFORMAT, StreamWriter, _ruler, format_horiz,
                               format_prediction, format_ss2, horiz_confidence, output_format, parse_ss2,
                               safe_filename, write_predictions)
from seqgsn.records import Prediction


def pred(id="p1", seq="MKVL", desc="a protein", seed=0, **kw):
    rng = np.random.default_rng(seed)
    prob = rng.dirichlet(np.ones(8), size=len(seq)).astype(np.float32)
    ss8 = "".join(SS8[i] for i in prob.argmax(-1))
    return Prediction(id, seq, ss8, prob, desc, **kw)


def onehot_pred(seq, ss8, id="x"):
    prob = np.zeros((len(seq), 8), np.float32)
    prob[np.arange(len(seq)), [SS8.index(c) for c in ss8]] = 1.0
    return Prediction(id, seq, ss8, prob)


def test_fasta_three_lines():
    p = onehot_pred("MKVLA", "CHHGE", id="x")
    assert format_prediction(p, "fasta") == ">x\nMKVLA\nCHHGE\n"
    p.description = "desc words"
    assert format_prediction(p, "fasta") == ">x desc words\nMKVLA\nCHHGE\n"


def test_ss2_exact_layout_and_column_order():
    p = onehot_pred("MKV", "HEC", id="x")
    p.prob8[2] = [0.1, 0, 0, 0.2, 0, 0.3, 0, 0.4]     # H=.1, E=.2, C=.3+.4=.7
    text = format_ss2(p, with_id=False)
    assert text == (f"{VFORMAT}\n\n"
                    "   1 M H   0.000  1.000  0.000\n"
                    "   2 K E   0.000  0.000  1.000\n"
                    "   3 V C   0.700  0.100  0.200\n")
    assert format_ss2(p).startswith(f"{VFORMAT}\n# id: x\n\n   1 M H")


def test_ss2_parses_back_multi_record():
    preds = [pred("a", "MKVLAAGIVA", seed=1), pred("b", "GG", desc="", seed=2)]
    text = "".join(format_prediction(p, "ss2") for p in preds)
    back = parse_ss2(text)
    assert [b["id"] for b in back] == ["a", "b"]
    for b, p in zip(back, preds):
        assert b["seq"] == p.seq and b["ss3"] == p.ss3
        np.testing.assert_allclose(b["prob3"], p.prob3, atol=5e-4)


def test_ss2_single_psipred_file_parses():
    p = pred("a", "MKVLA")
    (b,) = parse_ss2(format_ss2(p, with_id=False))
    assert b["id"] is None and b["seq"] == "MKVLA"


def test_horiz_confidence_is_psipred_formula():
    prob3 = np.array([[0.75, 0.25, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.375, 0.25, 0.375], [0.0, 0.125, 0.875]])
    assert horiz_confidence(prob3) == "50907"


@pytest.mark.parametrize("start,L,expected", [
    # traced by hand through psipass2.c's ruler loop
    (0, 3, "      "),
    (0, 12, "      " + "     " + "   10"),
    (0, 17, "      " + "     " + "   10" + "   "),
    (0, 65, "      " + "".join("     " + f"{j:5d}" for j in range(10, 70, 10))),
    (60, 65, "      " + " "),
    (60, 130, "      " + "".join("     " + f"{j:5d}" for j in range(70, 130, 10))),
])
def test_horiz_ruler_matches_psipred(start, L, expected):
    assert _ruler(start, L) == expected


def test_horiz_blocks_of_60():
    seq = ("ACDEFGHIKLMNPQRSTVWY" * 7)[:130]
    p = onehot_pred(seq, "H" * 60 + "E" * 60 + "C" * 10)
    text = format_horiz(p, with_id=False)
    lines = text.split("\n")
    assert lines[0] == HFORMAT and lines[1] == ""
    blocks = text[len(HFORMAT) + 1:].split("\n\n")
    conf = [ln[6:] for ln in lines if ln.startswith("Conf: ")]
    predl = [ln[6:] for ln in lines if ln.startswith("Pred: ")]
    aa = [ln[6:] for ln in lines if ln.startswith("  AA: ")]
    assert [len(x) for x in aa] == [60, 60, 10] and "".join(aa) == seq
    assert "".join(predl) == "H" * 60 + "E" * 60 + "C" * 10
    assert "".join(conf) == "9" * 130           # one-hot: top - second = 1 -> clipped to 9
    rulers = [lines[i + 1] for i, ln in enumerate(lines) if ln.startswith("  AA: ")]
    assert rulers[0].rstrip().endswith("60") and rulers[2].rstrip().endswith("130")
    # the number sits right under its residue: residue j is at column 6 + (j - block start)
    assert rulers[1].index("120") + 2 == 6 + (120 - 60) - 1
    assert text.endswith("\n\n") and len(blocks) >= 3
    assert format_horiz(p).split("\n")[1] == "# id: x"


def test_jsonl_object():
    p = pred("a", "MKV", clamped="H--", samples=["HHH", "CCC"])
    d = json.loads(format_prediction(p, "jsonl"))
    assert set(d) == {"id", "description", "sequence", "ss8", "ss3", "prob8", "clamped", "samples"}
    assert d["sequence"] == "MKV" and d["ss8"] == p.ss8 and d["ss3"] == p.ss3
    assert np.array(d["prob8"]).shape == (3, 8)
    np.testing.assert_allclose(d["prob8"], p.prob8, atol=5e-5)
    assert all(len(repr(v).split(".")[-1]) <= 4 for row in d["prob8"] for v in row)
    d2 = json.loads(format_prediction(pred("b", "MK"), "jsonl"))
    assert "clamped" not in d2 and "samples" not in d2


def test_sample_outputs():
    p = pred("a", "MKV", samples=["HHH", "CEC"])
    assert json.loads(format_prediction(p, "jsonl", samples=True)) == {
        "id": "a", "sequence": "MKV", "samples": ["HHH", "CEC"]}
    assert format_prediction(p, "fasta", samples=True) == ">a sample=1/2\nMKV\nHHH\n>a sample=2/2\nMKV\nCEC\n"
    with pytest.raises(ValueError):
        format_prediction(p, "ss2", samples=True)


def test_tsv_rows():
    p = pred("a", "MK")
    rows = (TSV_HEADER + format_prediction(p, "tsv")).splitlines()
    assert rows[0].split("\t") == ["id", "pos", "aa", "ss8", "ss3", *SS8]
    f = rows[2].split("\t")
    assert f[:5] == ["a", "2", "K", p.ss8[1], p.ss3[1]] and len(f) == 13
    np.testing.assert_allclose([float(v) for v in f[5:]], p.prob8[1], atol=5e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_writer_equals_concatenation(fmt, tmp_path):
    preds = [pred(f"r{i}", "MKVLA"[: i + 1], seed=i) for i in range(4)]
    buf = io.StringIO()
    w = StreamWriter(buf, fmt)
    for p in preds:
        w.write(p)
    expected = (TSV_HEADER if fmt == "tsv" else "") + "".join(format_prediction(p, fmt) for p in preds)
    assert buf.getvalue() == expected and w.n == 4
    assert write_predictions(tmp_path / "o", preds, fmt) == 4
    assert (tmp_path / "o").read_text() == expected
    buf2 = io.StringIO()
    StreamWriter(buf2, fmt, header=False).write(preds[0])
    assert buf2.getvalue() == format_prediction(preds[0], fmt)


def test_safe_filename():
    assert safe_filename("sp|P0CG48|UBC_HUMAN") == "sp_P0CG48_UBC_HUMAN"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("...") == "record"
    assert "/" not in safe_filename("a/b") and len(safe_filename("x" * 500)) == 100


@pytest.mark.parametrize("out, fmt", [("p.tsv", "tsv"), ("p.SS2", "ss2"), ("dir.x/p.horiz", "horiz"),
                                      ("p.jsonl", "jsonl"), ("p.fa", "fasta"), ("p.txt", "fasta"),
                                      (None, "fasta"), ("-", "fasta"), ("outdir/", "fasta")])
def test_output_format_follows_the_files_suffix_unless_given(out, fmt):
    assert output_format(None, out) == fmt
    assert output_format("jsonl", out) == "jsonl"           # an explicit format always wins


def test_sample_output_format_defaults_to_jsonl_and_rejects_a_suffix_it_cannot_write(tmp_path):
    assert output_format(None, "s.fasta", samples=True) == "fasta"
    assert output_format(None, "s.out", samples=True) == "jsonl"
    (tmp_path / "d.tsv").mkdir()                               # a directory: one file per record
    assert output_format(None, str(tmp_path / "d.tsv"), samples=True) == "jsonl"
    with pytest.raises(ConfigError, match=r"s\.tsv.*'tsv'.*jsonl, fasta"):
        output_format(None, "s.tsv", samples=True)
