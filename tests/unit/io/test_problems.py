"""ProblemReport: JSON lines, counters, summary, muting."""
import io
import json

from seqgsn.errors import InvalidFastaError
from seqgsn.io.problems import ProblemReport, read_problems


def test_rows_are_json_lines_with_all_keys():
    sink = io.StringIO()
    pr = ProblemReport(sink)
    e = InvalidFastaError("bad", file="f.fa", record="x", line=3, position=2)
    e.code = "bad_char"
    pr.add_error(e, index=4)
    pr.add("dup", severity="warning", code="duplicate_id", id="y", index=5, file="f.fa", line=9)
    rows = read_problems(sink.getvalue().splitlines())
    assert rows[0] == {"severity": "error", "code": "bad_char", "id": "x", "index": 4, "file": "f.fa", "line": 3,
                       "position": 2, "reason": "bad", "type": "InvalidFastaError"}
    assert rows[1]["severity"] == "warning" and rows[1]["type"] == "Warning"
    assert (pr.n_errors, pr.n_warnings, pr.n_notes, len(pr)) == (1, 1, 0, 2)


def test_keep_bounds_memory_but_counts_everything():
    sink = io.StringIO()
    pr = ProblemReport(sink, keep=3)
    for i in range(100):
        pr.add(f"r{i}", code="gap", index=i)
    assert len(pr.problems) == 3 and pr.n_errors == 100
    assert len(sink.getvalue().splitlines()) == 100
    s = pr.summary(limit=2, errors_file="e.jsonl")
    assert s.startswith("100 records skipped") and "e.jsonl" in s and "... and 98 more" in s


def test_muted_counts_without_writing():
    sink = io.StringIO()
    pr = ProblemReport(sink)
    pr.muted = True
    pr.add("x", index=0)
    pr.muted = False
    pr.add("y", index=1)
    assert pr.n_errors == 2 and [json.loads(s)["reason"] for s in sink.getvalue().splitlines()] == ["y"]


def test_summary_when_empty():
    assert ProblemReport().summary() == "no problems"
