"""Streaming pipeline: chunking, outputs, invariant, clamps, resume, memory bound."""
import json
import os
import random
import tracemalloc

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.chain.pipeline import DEFAULT_CHUNK_RESIDUES, SAMPLE_MIN_CHUNK, RunOptions, run
from seqgsn.chain.streaming import iter_chunks, iter_rounds
from seqgsn.errors import ConfigError, InvalidFastaError, SeqGSNError
from seqgsn.io.fasta import iter_fasta
from seqgsn.io.formats import FORMATS, format_prediction, file_header
from seqgsn.io.problems import ProblemReport, read_problems
from seqgsn.records import Prediction, Record


class StubPredictor:
    """Implements the Predictor protocol; output depends only on (residue, position, seed)."""

    path = None

    def __init__(self, fail_after=None, bad_letter=None):
        self.calls = []
        self.fail_after = fail_after      # raise KeyboardInterrupt on this call number (simulated kill)
        self.bad_letter = bad_letter      # records containing it make predict raise SeqGSNError

    def _probs(self, r, seed):
        codes = np.frombuffer(r.seq.encode(), np.uint8).astype(np.float64)
        pos = np.arange(len(r.seq))
        logits = np.stack([np.sin(codes * (k + 1) + pos * 0.1 + seed % 97) for k in range(8)], -1)
        p = np.exp(logits)
        return (p / p.sum(-1, keepdims=True)).astype(np.float32)

    def predict(self, records, *, clamps=None, steps=None, burn_in=None, seed=0):
        # (kind, first id, n records, residues, seed, clamps): nothing that grows with the input
        self.calls.append(("predict", records[0].id, len(records), sum(len(r.seq) for r in records), seed, clamps))
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise KeyboardInterrupt
        if self.bad_letter and any(self.bad_letter in r.seq for r in records):
            raise SeqGSNError(f"cannot handle {self.bad_letter}")
        out = []
        for r in records:
            p = self._probs(r, seed)
            c = (clamps or {}).get(r.id)
            if c:
                for i, ch in enumerate(c):
                    if ch != "-":
                        p[i] = np.eye(8, dtype=np.float32)[SS8.index(ch)]
            out.append(Prediction(r.id, r.seq, "".join(SS8[i] for i in p.argmax(-1)), p, r.description,
                                  clamped=c))
        return out

    def sample(self, records, *, n, burn_in=None, thin=1, seed=0, clamps=None):
        self.calls.append(("sample", records[0].id, len(records), sum(len(r.seq) for r in records), seed, clamps))
        out = self.predict(records, seed=seed)
        self.calls.pop()
        for p in out:
            p.samples = [p.ss8[k:] + p.ss8[:k] for k in range(n)]
        return out


def make_fasta(path, n=20, seed=0, lmin=5, lmax=40, messy=False):
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        s = "".join(rng.choices("ACDEFGHIKLMNPQRSTVWY", k=rng.randint(lmin, lmax)))
        if messy and i % 5 == 3:
            s = s[:2] + "-" + s[2:]
        lines.append(f">r{i} desc {i}\n{s}\n")
    path.write_text("".join(lines))
    return path


def run_quiet(pred, src, **kw):
    kw.setdefault("stderr", open(os.devnull, "w"))
    return run(pred, src, **kw)


def test_iter_chunks_bound_and_no_lookahead():
    recs = [Record(f"r{i}", "A" * L) for i, L in enumerate([3, 3, 3, 10, 1, 1])]
    consumed = []

    def gen():
        for r in recs:
            consumed.append(r.id)
            yield r
    sizes = []
    for ch in iter_chunks(gen(), 5):
        sizes.append([len(r.seq) for r in ch])
        assert consumed[-1] == ch[-1].id      # nothing read beyond the chunk
    assert sizes == [[3, 3], [3, 10], [1, 1]]


def test_rounds_group_consecutive_chunks():
    assert list(iter_rounds(iter([[1], [2], [3]]), 2)) == [[[1], [2]], [[3]]]
    assert list(iter_rounds(iter([[1], [2]]), 1)) == [[[1]], [[2]]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_output_matches_direct_formatting(tmp_path, fmt):
    src = make_fasta(tmp_path / "in.fa")
    out = tmp_path / f"out.{fmt}"
    pred = StubPredictor()
    res = run_quiet(pred, src, out=str(out), opts=RunOptions(fmt=fmt, chunk_residues=50))
    assert res.exit_code == 0 and res.written == res.records == 20
    seen_seeds = [c[4] for c in pred.calls]
    recs = [r for r in iter_fasta(src)]
    ref = StubPredictor()
    expected, i = file_header(fmt), 0
    for call in pred.calls:
        chunk = recs[i:i + call[2]]
        i += len(chunk)
        expected += "".join(format_prediction(p, fmt) for p in ref.predict(chunk, seed=call[4]))
    assert out.read_text() == expected
    # every chunk gets the run's seed: records are seeded by (seed, record), not by their chunk
    assert len(pred.calls) > 1 and seen_seeds == [0] * len(pred.calls)
    assert all(c[3] < 50 + 40 for c in pred.calls)               # chunk <= budget + one record
    assert sorted(os.listdir(tmp_path)) == sorted(["in.fa", out.name])   # no partial/progress left


def test_stdout_output(tmp_path, capsys):
    import io
    src = make_fasta(tmp_path / "in.fa", n=3)
    buf = io.StringIO()
    res = run_quiet(StubPredictor(), src, stdout=buf, opts=RunOptions(fmt="fasta"))
    assert res.written == 3 and buf.getvalue().count(">") == 3


def test_every_record_in_output_or_errors_never_both(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=40, messy=True)
    with open(src, "a") as f:
        f.write(">empty\n>stop\nMK*V\n>r1 duplicate id\nMKV\n")
    out, err = tmp_path / "o.jsonl", tmp_path / "e.jsonl"
    res = run_quiet(StubPredictor(), src, out=str(out), errors_file=str(err),
                    opts=RunOptions(fmt="jsonl", chunk_residues=60))
    written = [json.loads(s)["id"] for s in out.read_text().splitlines()]
    errors = [p for p in read_problems(err.read_text().splitlines()) if p["severity"] == "error"]
    headers = [ln[1:].split()[0] for ln in src.read_text().splitlines() if ln.startswith(">")]
    err_idx = {p["index"] for p in errors}
    assert len(errors) == len(err_idx) == 10 and res.skipped == 10 and res.exit_code == 3
    assert len(written) + len(errors) == len(headers) == res.records
    kept = [h for i, h in enumerate(headers) if i not in err_idx]
    assert written == kept                                   # input order, duplicates kept


def test_on_error_fail_stops_and_leaves_no_output(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=10, messy=True)
    out = tmp_path / "o.fa"
    with pytest.raises(InvalidFastaError) as ei:
        run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(on_error="fail", chunk_residues=10**6))
    assert ei.value.record == "r3"
    assert sorted(os.listdir(tmp_path)) == ["in.fa"]


def test_predict_error_isolated_to_its_record(tmp_path):
    src = tmp_path / "in.fa"
    src.write_text(">a\nMKV\n>b\nMWV\n>c\nGGG\n")
    pr = ProblemReport()
    res = run_quiet(StubPredictor(bad_letter="W"), src, out=str(tmp_path / "o.fa"), problems=pr)
    assert res.written == 2 and res.skipped == 1
    assert [(p["id"], p["code"], p["index"]) for p in pr.errors()] == [("b", "predict_failed", 1)]


def test_directory_output_one_file_per_record(tmp_path):
    src = tmp_path / "in.fa"
    src.write_text(">sp|P1|A x\nMKV\n>sp|P1|A again\nGGG\n>b/c\nLL\n")
    d = tmp_path / "outdir"
    res = run_quiet(StubPredictor(), src, out=str(d) + "/", opts=RunOptions(fmt="ss2"))
    assert res.written == 3
    assert sorted(os.listdir(d)) == ["b_c.ss2", "sp_P1_A.ss2", "sp_P1_A~2.ss2"]
    text = (d / "sp_P1_A~2.ss2").read_text()
    assert text.startswith("# PSIPRED VFORMAT (PSIPRED V4.0)\n\n   1 G ")     # exact PSIPRED layout


def test_clamps_validated_per_record(tmp_path):
    src = tmp_path / "in.fa"
    src.write_text(">a\nMKVL\n>b\nGGGG\n>c\nLLLL\n>d\nAAAA\n>e\nAA-A\n")
    cl = tmp_path / "c.txt"
    cl.write_text(">a\nHH--\n>b\nHH\n>c\nHH\nHX\n>zz\nHHHH\n>e\nHHHH\n")
    pr = ProblemReport()
    pred = StubPredictor()
    out = tmp_path / "o.jsonl"
    res = run_quiet(pred, src, out=str(out), clamp_file=str(cl), problems=pr, opts=RunOptions(fmt="jsonl"))
    rows = [json.loads(s) for s in out.read_text().splitlines()]
    assert [(r["id"], r.get("clamped")) for r in rows] == [("a", "HH--"), ("d", None)]
    assert rows[0]["ss8"][:2] == "HH"
    assert pred.calls[0][5] == {"a": "HH--"}
    assert [(p["id"], p["code"], p["severity"]) for p in pr.problems] == [
        ("b", "clamp_length", "error"), ("c", "clamp_label", "error"), ("e", "gap", "error"),
        ("zz", "clamp_unused", "warning"), ("e", "clamp_unused", "warning")]    # input order, then unused
    by = {(p["id"], p["code"]): p for p in pr.problems}
    assert (by["c", "clamp_label"]["line"], by["c", "clamp_label"]["position"]) == (7, 4)   # the 'X' line
    assert "matches no input record" in by["zz", "clamp_unused"]["reason"]
    assert "its record was rejected" in by["e", "clamp_unused"]["reason"]
    assert res.skipped == 3


def test_sample_mode(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=4)
    out = tmp_path / "s.jsonl"
    run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(mode="sample", n=3, fmt="jsonl"))
    rows = [json.loads(s) for s in out.read_text().splitlines()]
    assert len(rows) == 4 and all(len(r["samples"]) == 3 and set(r) == {"id", "sequence", "samples"}
                                  for r in rows)
    with pytest.raises(ConfigError):
        run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(mode="sample", fmt="ss2"))


@pytest.mark.parametrize("target", ["file", "dir"])
def test_resume_after_kill_equals_uninterrupted_run(tmp_path, target):
    src = make_fasta(tmp_path / "in.fa", n=30, messy=True)
    opts = RunOptions(fmt="tsv" if target == "file" else "horiz", chunk_residues=40)
    ref_out, out = tmp_path / "ref", tmp_path / "out"
    ref_err, err = tmp_path / "ref.err", tmp_path / "out.err"
    if target == "dir":
        ref_out.mkdir(), out.mkdir()
    ref = run_quiet(StubPredictor(), src, out=str(ref_out), opts=opts, errors_file=str(ref_err))
    with pytest.raises(KeyboardInterrupt):
        run_quiet(StubPredictor(fail_after=4), src, out=str(out), opts=opts, errors_file=str(err))
    if target == "file":
        assert not out.exists() and (tmp_path / "out.partial").exists()
        # simulate a kill in the middle of a chunk write: garbage after the checkpoint
        with open(tmp_path / "out.partial", "a") as f:
            f.write("half a row\tthat must vanish")
    progress = (tmp_path / "out.progress.json") if target == "file" else (out / ".seqgsn.progress.json")
    assert json.loads(progress.read_text())["records_done"] > 0
    pred = StubPredictor()
    res = run_quiet(pred, src, out=str(out), opts=opts, errors_file=str(err), resume=True)
    assert res.resumed_from > 0 and res.records == ref.records and res.skipped == ref.skipped
    assert pred.calls and all(c[1] != "r0" for c in pred.calls)       # done records not redone
    if target == "file":
        assert out.read_bytes() == ref_out.read_bytes()
    else:
        assert sorted(os.listdir(out)) == sorted(os.listdir(ref_out))
        for name in os.listdir(ref_out):
            assert (out / name).read_bytes() == (ref_out / name).read_bytes()
    assert err.read_bytes() == ref_err.read_bytes()
    assert not progress.exists() and not (tmp_path / "out.partial").exists()


def test_resume_refuses_changed_options_or_input(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=30)
    out = tmp_path / "o.fa"
    with pytest.raises(KeyboardInterrupt):
        run_quiet(StubPredictor(fail_after=2), src, out=str(out), opts=RunOptions(chunk_residues=40))
    with pytest.raises(ConfigError, match="seed"):
        run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(chunk_residues=40, seed=1), resume=True)
    src.write_text(src.read_text().replace(">r0", ">x0"))
    with pytest.raises(ConfigError, match="input"):
        run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(chunk_residues=40), resume=True)
    # without --resume a new run starts over and replaces the partial output
    res = run_quiet(StubPredictor(), src, out=str(out), opts=RunOptions(chunk_residues=40))
    assert res.written == 30 and out.read_text().count(">") == 30


def test_resume_without_progress_starts_fresh_and_stdout_refused(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=3)
    res = run_quiet(StubPredictor(), src, out=str(tmp_path / "o.fa"), resume=True)
    assert res.written == 3 and res.resumed_from == 0
    with pytest.raises(ConfigError):
        run_quiet(StubPredictor(), src, resume=True)


def test_progress_line_live_when_asked_silent_for_short_runs_off_a_terminal(tmp_path):
    import io
    src = make_fasta(tmp_path / "in.fa", n=10)
    err = io.StringIO()
    run(StubPredictor(), src, out=str(tmp_path / "o"), stderr=err, progress=True,
        opts=RunOptions(chunk_residues=30))
    text = err.getvalue()
    assert "10 records" in text and "residues/s" in text and "100%" in text and "\r" in text
    err2 = io.StringIO()
    run(StubPredictor(), src, out=str(tmp_path / "o"), stderr=err2)       # StringIO is not a TTY
    assert err2.getvalue() == ""                 # shorter than one log interval: nothing


def test_real_model_long_sequence_and_resume_determinism(tmp_path, tiny_model_file):
    from seqgsn.api import load_model
    model = load_model(tiny_model_file)
    rng = random.Random(1)
    titin_like = "".join(rng.choices("ACDEFGHIKLMNPQRSTVWY", k=35_000))
    src = tmp_path / "in.fa"
    src.write_text(">short\nMKVLA\n>long titin-sized\n" + titin_like + "\n>after\nGGGGS\n")
    out = tmp_path / "o.jsonl"
    res = run_quiet(model, src, out=str(out), opts=RunOptions(fmt="jsonl", chunk_residues=10))
    rows = [json.loads(s) for s in out.read_text().splitlines()]
    assert res.exit_code == 0 and [r["id"] for r in rows] == ["short", "long", "after"]
    assert len(rows[1]["ss8"]) == 35_000 and np.allclose(np.sum(rows[1]["prob8"], -1), 1, atol=1e-3)
    # same seed, same chunking -> same bytes
    out2 = tmp_path / "o2.jsonl"
    run_quiet(model, src, out=str(out2), opts=RunOptions(fmt="jsonl", chunk_residues=10))
    assert out2.read_bytes() == out.read_bytes()


class FlatPredictor:
    """Cheapest protocol implementation (uniform probabilities): the memory test measures the pipeline."""

    path = None

    def predict(self, records, *, clamps=None, steps=None, burn_in=None, seed=0):
        return [Prediction(r.id, r.seq, "C" * len(r.seq), np.full((len(r.seq), 8), 0.125, np.float32))
                for r in records]


def _peak_through_pipeline(path, tmp_path):
    tracemalloc.start()
    try:
        run_quiet(FlatPredictor(), path, out=str(tmp_path / "o.fa"), opts=RunOptions(chunk_residues=20_000))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_bounded_independently_of_file_size(tmp_path):
    small = make_fasta(tmp_path / "small.fa", n=1_000, lmin=50, lmax=300)        # ~0.2 MB
    large = make_fasta(tmp_path / "large.fa", n=10_000, lmin=50, lmax=300, seed=1)  # ~2 MB, 10x
    p_small = _peak_through_pipeline(small, tmp_path)
    p_large = _peak_through_pipeline(large, tmp_path)
    assert large.stat().st_size > 8 * small.stat().st_size
    assert p_large < 1.5 * p_small + 512 * 1024, (p_small, p_large)
    assert p_large < large.stat().st_size          # never holds the file


def test_refuses_to_overwrite_the_input(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=2)
    before = src.read_bytes()
    for kw in ({"out": str(src)}, {"out": str(tmp_path / "o"), "errors_file": str(src)}):
        with pytest.raises(ConfigError, match="also the input: it would be overwritten"):
            run_quiet(StubPredictor(), src, **kw)
    assert src.read_bytes() == before


def test_refuses_outputs_that_clash_are_compressed_or_cannot_be_written_before_writing(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=2)
    clamp = tmp_path / "known.txt"
    clamp.write_text(">r0\n" + "-" * 5 + "\n")
    (tmp_path / "file.txt").write_text("")
    cases = [({"out": str(clamp), "clamp_file": str(clamp)}, "output .* also the clamp file"),
             ({"out": str(tmp_path / "o"), "errors_file": str(tmp_path / "o")}, "errors file .* also the output"),
             ({"out": str(tmp_path / "o.tsv.gz")}, r"written as plain data, not \.gz"),
             ({"out": str(tmp_path / "no" / "o.tsv")}, "directory .*no does not exist"),
             ({"out": str(tmp_path / "file.txt" / "o.tsv")}, "file.txt is a file, not a directory"),
             ({"out": str(tmp_path / "file.txt") + "/"}, "file.txt is a file, not a directory"),
             ({"errors_file": str(tmp_path / "file.txt" / "e.jsonl")}, "errors file .*not a directory")]
    before = sorted(os.listdir(tmp_path))
    for kw, msg in cases:
        with pytest.raises(ConfigError, match=msg):
            run_quiet(StubPredictor(), src, **kw)
    assert sorted(os.listdir(tmp_path)) == before and clamp.read_text() == ">r0\n-----\n"
    run_quiet(StubPredictor(), src, out=str(tmp_path / "new" / "deeper") + "/")   # a folder is created
    assert sorted(os.listdir(tmp_path / "new" / "deeper")) == ["r0.fasta", "r1.fasta"]


def test_a_stop_on_a_bad_record_leaves_its_errors_file_and_resumes_with_skip(tmp_path):
    src = make_fasta(tmp_path / "in.fa", n=30, messy=True)              # r3, r8, ... have a gap
    ref_out, out, ref_err, err = (tmp_path / n for n in ("ref.tsv", "o.tsv", "ref.err", "o.err"))
    skip, fail = RunOptions(fmt="tsv", chunk_residues=40), RunOptions(fmt="tsv", chunk_residues=40, on_error="fail")
    run_quiet(StubPredictor(), src, out=str(ref_out), opts=skip, errors_file=str(ref_err))
    with pytest.raises(InvalidFastaError):
        run_quiet(StubPredictor(), src, out=str(out), opts=fail, errors_file=str(err))
    listed = read_problems(err.read_text().splitlines())
    assert [p["id"] for p in listed if p["severity"] == "error"] == ["r3"]   # the reason the run stopped
    assert (tmp_path / "o.tsv.progress.json").exists() and not out.exists()
    res = run_quiet(StubPredictor(), src, out=str(out), opts=skip, errors_file=str(err), resume=True)
    assert res.resumed_from > 0
    assert out.read_bytes() == ref_out.read_bytes() and err.read_bytes() == ref_err.read_bytes()


def test_sample_chunks_shrink_with_n_but_not_below_a_few_chain_batches():
    assert RunOptions(mode="predict", n=20).effective_chunk() == DEFAULT_CHUNK_RESIDUES
    assert RunOptions(mode="sample", n=1).effective_chunk() == DEFAULT_CHUNK_RESIDUES
    # large n: the CRF sampler's sequential forward-backward wants full batches, not n-times smaller ones
    assert RunOptions(mode="sample", n=1000).effective_chunk() == SAMPLE_MIN_CHUNK
    # an explicit small chunk size (tests, tight memory) is still honoured
    assert RunOptions(mode="sample", n=20, chunk_residues=500).effective_chunk() == 500
