"""Property tests (hypothesis): the FASTA reader and the pipeline on arbitrary input.

Budget: 10,600 generated inputs in total (sum of max_examples below), well under a minute.
"""
import bz2
import gzip
import io
import lzma
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqgsn.chain.pipeline import RunOptions, run
from seqgsn.errors import SeqGSNError
from seqgsn.io.fasta import iter_fasta
from seqgsn.io.problems import ProblemReport
from seqgsn.records import Prediction, Record

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                database=None)
# FASTA-ish pieces: every oddity of the policy, plus noise
PIECES = [">", ">id", "> x", ">dup", "\n", "\r\n", "\r", " ", "\t", "ACDEF", "mkvl", "BZJUOX", "*", "-", ".",
          "0123", "#", ";", "é", "α", "\x00", "\x1b", "\ufffd", "W", "\n>a", "\n>b desc", "\n\n"]
fastaish = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
COMP = {"none": lambda b: b, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


def lines_of(text):
    """Lines as the reader sees them (universal newlines, BOM dropped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    parts = re.split(r"\r\n|\r|\n", text)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def consume(data: bytes):
    pr = ProblemReport()
    try:
        items = list(iter_fasta(io.BytesIO(data), problems=pr))
    except SeqGSNError as e:
        return None, pr, e
    return items, pr, None


@settings(FAST, max_examples=4000)
@given(st.one_of(st.binary(max_size=300),                      # mostly "not FASTA" at line 1
                 st.binary(max_size=300).map(lambda b: b">a\n" + b),   # garbage inside a record
                 st.binary(max_size=300).map(gzip.compress)))       # garbage behind a valid magic
def test_arbitrary_bytes_only_typed_errors(data):
    items, pr, err = consume(data)          # anything but SeqGSNError propagates and fails
    if items is not None:
        assert len(items) >= 1


@settings(FAST, max_examples=4000)
@given(fastaish)
def test_fastaish_text_invariant(text):
    data = text.encode("utf-8", "surrogatepass")
    items, pr, err = consume(data)
    lines = lines_of(data.decode("utf-8", "replace"))
    headers = [i for i, ln in enumerate(lines) if ln.startswith(">")]
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not lines[first].startswith(">"):
        assert err is not None and err.code in ("no_records", "not_fasta")
        return
    assert err is None
    # one item per header, in order, with the header's line number
    assert len(items) == len(headers)
    assert [x.index for x in items] == list(range(len(items)))
    recs = [x for x in items if isinstance(x, Record)]
    assert [r.line for r in recs] == [headers[r.index] + 1 for r in recs]
    # a rejected record's line is where its problem is: at or after its header
    assert all(headers[e.index] + 1 <= e.line for e in items if not isinstance(e, Record))
    errors = pr.errors()
    # lost-record invariant: in the output or in the error report, never both, never neither
    assert len(recs) + len(errors) == len(items)
    assert {r.index for r in recs}.isdisjoint({p["index"] for p in errors})
    assert sorted([r.index for r in recs] + [p["index"] for p in errors]) == list(range(len(items)))
    for r in recs:
        assert r.seq and r.seq.isascii() and r.seq.isalpha() and r.seq.isupper()


@settings(FAST, max_examples=1000)
@given(fastaish.filter(lambda t: t.lstrip().startswith(">")), st.sampled_from(sorted(COMP)))
def test_compression_is_transparent(text, comp):
    data = text.encode("utf-8")
    a, _, ea = consume(data)
    b, _, eb = consume(COMP[comp](data))
    assert (ea is None) == (eb is None)
    if a is not None:
        assert [(type(x).__name__, getattr(x, "seq", None), x.line) for x in a] == \
               [(type(x).__name__, getattr(x, "seq", None), x.line) for x in b]


records_st = st.lists(st.tuples(st.text("ABCxyz019_|.:-", min_size=1, max_size=12),
                                st.text("ACDEFGHIKLMNPQRSTVWYBZJUOXacdefghiklmnpqrstvwy", min_size=1, max_size=120)),
                      min_size=1, max_size=6)


@settings(FAST, max_examples=1000)
@given(records_st, st.integers(1, 80), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_wellformed_round_trip(recs, width, eol, blank):
    parts = []
    for rid, seq in recs:
        parts.append(f">{rid} d{eol}")
        parts += [seq[k:k + width] + eol + (eol if blank else "") for k in range(0, len(seq), width)]
    items, pr, err = consume("".join(parts).encode())
    assert err is None
    assert [(x.id, x.seq) for x in items] == [(rid, seq.upper()) for rid, seq in recs]
    assert all(p["code"] == "duplicate_id" for p in pr.problems)


class Flat:
    path = None

    def predict(self, records, *, clamps=None, steps=None, burn_in=None, seed=0):
        return [Prediction(r.id, r.seq, "C" * len(r.seq), np.full((len(r.seq), 8), 0.125, np.float32))
                for r in records]


@settings(FAST, max_examples=600)
@given(fastaish.filter(lambda t: t.lstrip().startswith(">")), st.integers(1, 30))
def test_pipeline_never_loses_a_record(text, chunk):
    import json
    out = io.StringIO()
    pr = ProblemReport()
    data = text.encode("utf-8")
    try:
        res = run(Flat(), io.BytesIO(data), stdout=out, stderr=io.StringIO(), problems=pr,
                  opts=RunOptions(fmt="jsonl", chunk_residues=chunk))
    except SeqGSNError:
        return
    n_headers = sum(ln.startswith(">") for ln in lines_of(data.decode("utf-8", "replace")))
    written = [json.loads(s) for s in out.getvalue().splitlines()]
    assert len(written) + len(pr.errors()) == n_headers == res.records
    assert res.skipped == len(pr.errors()) and res.written == len(written)
