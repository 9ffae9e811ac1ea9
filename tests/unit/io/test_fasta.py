"""FASTA policy: one test per row of the policy table in seqgsn.io.fasta."""
import warnings

import pytest

from seqgsn.errors import InvalidFastaError, SeqGSNError
from seqgsn.io.fasta import CHUNK, MAX_HEADER, FastaWarning, iter_fasta, read_fasta, read_records
from seqgsn.io.problems import ProblemReport
from seqgsn.records import Record


def read(path, **kw):
    pr = ProblemReport()
    items = list(iter_fasta(path, problems=pr, **kw))
    return items, pr


def only(items):
    return [x for x in items if isinstance(x, Record)]


def codes(pr, severity=None):
    return [p["code"] for p in pr.problems if severity is None or p["severity"] == severity]


def test_plain_records_with_header_line_numbers(write_fasta):
    p = write_fasta(">a first one\nMKV\nLLA\n>b\nGG\n")
    items, pr = read(p)
    assert [(r.id, r.seq, r.description, r.line, r.index) for r in items] == [
        ("a", "MKVLLA", "first one", 1, 0), ("b", "GG", "", 4, 1)]
    assert items[0].source == str(p)
    assert len(pr) == 0


def test_crlf_and_cr_line_ends_accepted(write_fasta):
    items, pr = read(write_fasta(b">a\r\nMK\r\nVL\r\n>b\rGG\r"))
    assert [(r.id, r.seq, r.line) for r in items] == [("a", "MKVL", 1), ("b", "GG", 4)]
    assert len(pr) == 0


def test_blank_lines_and_trailing_whitespace_accepted(write_fasta):
    items, pr = read(write_fasta("\n\n>a\n\nMK  \n\n VL\n\n>b\nG\n\n"))
    assert [(r.id, r.seq, r.line) for r in items] == [("a", "MKVL", 3), ("b", "G", 9)]
    # the leading space before VL is inside the sequence text: stripped with a warning
    assert codes(pr) == ["spaces_stripped"]


def test_header_without_sequence_rejected(write_fasta):
    items, pr = read(write_fasta(">a\n>b\nMK\n>c\n\n"))
    assert [type(x).__name__ for x in items] == ["InvalidFastaError", "Record", "InvalidFastaError"]
    assert [(p["id"], p["line"], p["index"]) for p in pr.errors()] == [("a", 1, 0), ("c", 4, 2)]
    assert codes(pr) == ["empty_sequence", "empty_sequence"]


def test_header_without_id_rejected(write_fasta):
    items, pr = read(write_fasta(">\nMK\n>   \nMK\n>ok\nMK\n"))
    assert [r.id for r in only(items)] == ["ok"]
    assert codes(pr, "error") == ["no_id", "no_id"]


def test_duplicate_ids_kept_in_order_with_warning(write_fasta):
    items, pr = read(write_fasta(">x one\nAA\n>y\nCC\n>x two\nDD\n"))
    assert [(r.id, r.seq) for r in items] == [("x", "AA"), ("y", "CC"), ("x", "DD")]
    assert [(p["code"], p["severity"], p["index"], p["line"]) for p in pr.problems] == [
        ("duplicate_id", "warning", 2, 5)]


def test_duplicate_detection_survives_hash_flush():
    from seqgsn.io.fasta import _SeenIds
    s = _SeenIds(flush_at=4)
    assert [s.add(f"id{i}") for i in range(10)] == [False] * 10
    assert s.old.size >= 8          # older ids moved to the sorted array
    assert all(s.add(f"id{i}") for i in range(10))
    assert not s.add("new")


def test_genbank_digits_and_spaces_stripped_with_warning(write_fasta):
    p = write_fasta(">g\n        1 mkvlaagiva llla\n       15 ggg\n")
    items, pr = read(p)
    assert items[0].seq == "MKVLAAGIVALLLAGGG"
    assert sorted(codes(pr, "warning")) == ["digits_stripped", "spaces_stripped"]
    assert all(p["line"] == 2 for p in pr.problems)


def test_lowercase_upper_cased(write_fasta):
    items, pr = read(write_fasta(">a\nmkVl\n"))
    assert items[0].seq == "MKVL" and len(pr) == 0


def test_terminal_stop_removed_with_note(write_fasta):
    items, pr = read(write_fasta(">a\nMKV\nL*\n>b\nGG**\n"))
    assert [r.seq for r in items] == ["MKVL", "GG"]
    assert [(p["code"], p["severity"], p["line"], p["position"]) for p in pr.problems] == [
        ("terminal_stop", "note", 3, 5), ("terminal_stop", "note", 5, 3)]
    assert [p["reason"] for p in pr.problems] == ["terminal '*' removed", "2 terminal '*' removed"]


def test_terminal_stop_then_blank_and_spaces_is_still_terminal(write_fasta):
    items, pr = read(write_fasta(">a\nMKV*  \n\n>b\nGG\n"))
    assert [r.seq for r in items] == ["MKV", "GG"]


def test_internal_stop_rejected_with_position(write_fasta):
    items, pr = read(write_fasta(">a\nMK*V\n>b\nMK*\nV\n"))
    assert not only(items)
    errs = pr.errors()
    assert [(e["code"], e["line"], e["position"]) for e in errs] == [("internal_stop", 2, 3), ("internal_stop", 4, 3)]


def test_stop_only_record_is_empty(write_fasta):
    items, pr = read(write_fasta(">a\n*\n"))
    assert codes(pr, "error") == ["empty_sequence"]


def test_nonstandard_letters_kept_as_given(write_fasta):
    items, pr = read(write_fasta(">a\nBZJUOXbzjuox\n"))
    assert items[0].seq == "BZJUOXBZJUOX" and len(pr) == 0


@pytest.mark.parametrize("gap", ["-", "."])
def test_gap_characters_rejected(write_fasta, gap):
    items, pr = read(write_fasta(f">a\nMKV{gap}LA\n>b\nMK\n"))
    assert [r.id for r in only(items)] == ["b"]
    (e,) = pr.errors()
    assert (e["code"], e["id"], e["line"], e["position"]) == ("gap", "a", 2, 4)


@pytest.mark.parametrize("bad", ["#", "1A".replace("1", "?"), "é", "\x00", ";", ">"])
def test_stray_characters_rejected_with_position(write_fasta, bad):
    items, pr = read(write_fasta(f">a\nMK\nVL{bad}A\n>b\nMK\n"))
    assert [r.id for r in only(items)] == ["b"]
    (e,) = pr.errors()
    assert (e["code"], e["line"], e["position"]) == ("bad_char", 3, 5)
    assert "column 3" in e["reason"]


def test_invalid_utf8_in_sequence_rejected(write_fasta):
    items, pr = read(write_fasta(b">a\nMK\xffV\n>b\nGG\n"))
    assert [r.id for r in only(items)] == ["b"]
    assert pr.errors()[0]["code"] == "bad_char" and "UTF-8" in pr.errors()[0]["reason"]


def test_non_ascii_header_kept(write_fasta):
    items, pr = read(write_fasta(">α-hélice protéine 蛋白\nMK\n"))
    assert (items[0].id, items[0].description) == ("α-hélice", "protéine 蛋白") and len(pr) == 0


def test_invalid_utf8_header_kept_with_warning(write_fasta):
    items, pr = read(write_fasta(b">a\xe9b desc\nMK\n"))
    assert items[0].id == "a\ufffdb"
    assert codes(pr) == ["bad_utf8_header"]


def test_utf8_bom_ignored(write_fasta):
    items, pr = read(write_fasta(b"\xef\xbb\xbf>a\nMK\n"))
    assert items[0].id == "a" and len(pr) == 0


def test_control_character_in_header_rejected(write_fasta):
    items, pr = read(write_fasta(">a\x1b[31m red\nMK\n>b\nMK\n"))
    assert [r.id for r in only(items)] == ["b"]
    assert codes(pr, "error") == ["bad_header"]


def test_overlong_header_rejected_and_bounded(write_fasta):
    long = "h" * (MAX_HEADER + 10)
    items, pr = read(write_fasta(f">{long}\nMK\n>b\nGG\n"))
    assert [r.id for r in only(items)] == ["b"]
    assert codes(pr, "error") == ["bad_header"]


def test_long_single_line_sequence_read_in_chunks(write_fasta):
    seq = ("ACDEFGHIKLMNPQRSTVWY" * (3 * CHUNK // 20 + 7))
    items, pr = read(write_fasta(f">a\n{seq}\n>b\nMK\n"))
    assert items[0].seq == seq and items[1].line == 3 and len(pr) == 0


def test_bad_char_column_counts_across_chunks(write_fasta):
    seq = "A" * (CHUNK + 5) + "#"
    items, pr = read(write_fasta(f">a\n{seq}\n"))
    (e,) = pr.errors()
    assert e["position"] == CHUNK + 6 and f"column {CHUNK + 6}" in e["reason"]


def test_empty_file_is_an_error(write_fasta):
    for content in ["", "\n\n  \n"]:
        with pytest.raises(InvalidFastaError, match="no FASTA records"):
            list(iter_fasta(write_fasta(content)))


@pytest.mark.parametrize("content,line", [
    ("hello world\n>a\nMK\n", 1),
    ("\n\nID   1ABC\nSQ  MKV\n", 3),
    (b"\x00\x01\x02binary\xff\xfe garbage", 1),
    ("# comment\n>a\nMK\n", 1),
])
def test_not_fasta_names_file_and_line(write_fasta, content, line):
    p = write_fasta(content)
    with pytest.raises(InvalidFastaError) as ei:
        list(iter_fasta(p))
    assert ei.value.file == str(p) and ei.value.line == line
    assert "not a FASTA file" in str(ei.value)


def test_on_error_fail_raises_first_bad_record(write_fasta):
    p = write_fasta(">a\nMK\n>b\nM-K\n>c\nM*K\n")
    it = iter_fasta(p, on_error="fail")
    assert next(it).id == "a"
    with pytest.raises(InvalidFastaError) as ei:
        next(it)
    assert (ei.value.record, ei.value.line, ei.value.code) == ("b", 4, "gap")


def test_rejections_without_report_still_yielded_and_warnings_warned(write_fasta):
    p = write_fasta(">a\n1 MK\n>b\nM-K\n")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        items = list(iter_fasta(p))
    assert isinstance(items[0], Record) and isinstance(items[1], InvalidFastaError)
    assert items[1].index == 1
    assert any(issubclass(x.category, FastaWarning) and "digit" in str(x.message) for x in w)


def test_read_records_and_read_fasta(write_fasta):
    p = write_fasta(">a\nMK\n>b\nM-K\n")
    pr = ProblemReport()
    assert [r.id for r in read_records(p, problems=pr)] == ["a"] and pr.n_errors == 1
    with pytest.raises(InvalidFastaError):
        read_fasta(p)
    assert [r.id for r in read_fasta(p, on_error="skip")] == ["a"]
    with pytest.raises(ValueError):
        list(read_records(p))


def test_missing_file_and_directory_are_typed_errors(tmp_path):
    with pytest.raises(SeqGSNError, match="no such file"):
        list(iter_fasta(tmp_path / "nope.fa"))
    with pytest.raises(SeqGSNError, match="directory"):
        list(iter_fasta(tmp_path))


def test_example_files_follow_the_policy():
    from pathlib import Path
    ex = Path(__file__).resolve().parents[3] / "data" / "examples"
    good = read_fasta(ex / "proteins.fasta")
    assert [r.id.split("|")[1] for r in good] == ["P0CG48", "P00698", "P02185", "P00974", "P42212"]
    assert [len(r.seq) for r in good] == [76, 129, 154, 58, 238]
    items, pr = read(ex / "messy.fasta")
    rejected = {p["id"] for p in pr.errors()}
    assert rejected == {"stop_internal", "no_sequence", "aligned", "stray_char"}
    assert len(only(items)) + len(rejected) == len(items) == 11
