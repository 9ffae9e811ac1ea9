"""`seqgsn predict` / `seqgsn sample` end to end (tiny random-weight model; shapes and plumbing, not accuracy)."""
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from seqgsn.cli import main
from seqgsn.io.formats import parse_ss2

EX = Path(__file__).resolve().parents[2] / "data" / "examples"


def cli(*args, input=None):
    r = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return r


def shell(*args, stdin=None):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", "from seqgsn.cli import main; main()", *map(str, args)],
                          input=stdin, capture_output=True, env=env, timeout=120)


def test_predict_examples_all_formats(tmp_path, tiny_model_file):
    for fmt in ("fasta", "ss2", "horiz", "jsonl", "tsv"):
        out = tmp_path / f"p.{fmt}"
        r = cli("predict", EX / "proteins.fasta", "-o", out, "--format", fmt, "--model", tiny_model_file,
                "--threads", "1")
        assert r.exit_code == 0, r.output
        assert out.exists() and not Path(str(out) + ".partial").exists()
    recs = parse_ss2((tmp_path / "p.ss2").read_text())
    # without --format the suffix decides: the same bytes as the explicit run
    r = cli("predict", EX / "proteins.fasta", "-o", tmp_path / "q.tsv", "--model", tiny_model_file, "--threads", "1")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "q.tsv").read_bytes() == (tmp_path / "p.tsv").read_bytes()
    assert [len(x["seq"]) for x in recs] == [76, 129, 154, 58, 238]
    assert (tmp_path / "p.horiz").read_text().count("# PSIPRED HFORMAT") == 5
    rows = [json.loads(s) for s in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert rows[2]["id"] == "sp|P02185|MYG_PHYMC" and len(rows[2]["prob8"]) == 154
    assert len((tmp_path / "p.tsv").read_text().splitlines()) == 1 + 76 + 129 + 154 + 58 + 238


def test_messy_input_skips_reports_and_exits_3(tmp_path, tiny_model_file):
    out, err = tmp_path / "m.jsonl", tmp_path / "m.err.jsonl"
    r = cli("predict", EX / "messy.fasta", "-o", out, "--format", "jsonl", "--errors", err,
            "--model", tiny_model_file)
    assert r.exit_code == 3, r.output
    stderr = r.stderr
    assert "4 records skipped" in stderr and "Traceback" not in stderr and "\r" not in stderr
    ids = [json.loads(s)["id"] for s in out.read_text().splitlines()]
    problems = [json.loads(s) for s in err.read_text().splitlines()]
    errors = [p for p in problems if p["severity"] == "error"]
    assert len(ids) + len(errors) == 11
    assert not set(ids) & {p["id"] for p in errors}
    assert {p["code"] for p in problems} >= {"internal_stop", "empty_sequence", "gap", "bad_char",
                                             "duplicate_id", "digits_stripped", "terminal_stop"}


def test_on_error_fail_exit_2_and_no_output(tmp_path, tiny_model_file):
    out = tmp_path / "m.fa"
    r = cli("predict", EX / "messy.fasta", "-o", out, "--on-error", "fail", "--model", tiny_model_file)
    assert r.exit_code == 2
    assert "line 14, record 'stop_internal'" in r.stderr and r.stdout == ""
    assert not out.exists() and os.listdir(tmp_path) == ["tiny.pt"]     # no partial files left


def test_stdin_gzip_to_stdout_quiet_in_pipe(tiny_model_file):
    data = gzip.compress((EX / "proteins.fasta").read_bytes())
    r = shell("predict", "-", "--model", tiny_model_file, stdin=data)
    assert r.returncode == 0 and r.stderr == b""
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 15 and lines[0].startswith(">sp|P0CG48|UBC_HUMAN Ubiquitin")
    assert len(lines[2]) == 76 and set(lines[2]) <= set("HGIEBTSC")


@pytest.mark.parametrize("make", ["missing", "directory", "garbage", "empty", "unreadable", "zstd"])
def test_unreadable_input_is_a_clean_error(tmp_path, tiny_model_file, make):
    p = tmp_path / "in.fa"
    if make == "directory":
        p.mkdir()
    elif make == "garbage":
        p.write_bytes(bytes(range(256)) * 4)
    elif make == "empty":
        p.write_bytes(b"")
    elif make == "zstd":
        p.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    elif make == "unreadable":
        p.write_text(">a\nMK\n")
        p.chmod(0)
        if os.access(p, os.R_OK):
            pytest.skip("running as a user who can read mode-000 files (root)")
    # catch_exceptions=False: any exception other than the clean exit fails the test
    r = cli("predict", p, "-o", tmp_path / "o.fa", "--model", tiny_model_file)
    assert r.exit_code == 2, r.output
    assert str(p) in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.fa").exists() and not (tmp_path / "o.fa.partial").exists()


def test_garbage_input_in_a_real_process_has_no_traceback(tmp_path, tiny_model_file):
    p = tmp_path / "in.fa"
    p.write_bytes(bytes(range(256)) * 4)
    r = shell("predict", p, "--model", tiny_model_file)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.startswith(b"seqgsn: error: " + str(p).encode() + b", line 1: not a FASTA file")
    assert b"Traceback" not in r.stderr


def test_sample_jsonl_and_fasta(tmp_path, tiny_model_file):
    out = tmp_path / "s.jsonl"
    r = cli("sample", EX / "proteins.fasta", "-n", 3, "--burn-in", 1, "--thin", 2, "-o", out,
            "--model", tiny_model_file, "--seed", 7)
    assert r.exit_code == 0, r.output
    rows = [json.loads(s) for s in out.read_text().splitlines()]
    assert len(rows) == 5 and all(len(x["samples"]) == 3 for x in rows)
    assert all(len(s) == len(x["sequence"]) and set(s) <= set("HGIEBTSC") for x in rows for s in x["samples"])
    r = cli("sample", EX / "proteins.fasta", "-n", 2, "--format", "fasta", "--model", tiny_model_file)
    assert r.exit_code == 0 and r.output.count(">") == 10 and "sample=2/2" in r.output


def _changes(s):
    return sum(a != b for a, b in zip(s, s[1:]))


def test_sample_with_the_crf_sampler_gives_fewer_label_changes(tmp_path, tiny_pairwise_model_file):
    runs = {}
    for sampler in ("crf", "independent"):
        out = tmp_path / f"{sampler}.jsonl"
        r = cli("sample", EX / "proteins.fasta", "-n", 4, "-o", out, "--model", tiny_pairwise_model_file,
                "--sampler", sampler, "--seed", 3)
        assert r.exit_code == 0, r.output
        rows = [json.loads(s) for s in out.read_text().splitlines()]
        assert len(rows) == 5 and all(len(s) == len(x["sequence"]) for x in rows for s in x["samples"])
        runs[sampler] = sum(_changes(s) for x in rows for s in x["samples"])
    assert runs["crf"] < runs["independent"]
    r = cli("sample", EX / "proteins.fasta", "-n", 1, "--sampler", "gibbs")
    assert r.exit_code == 2


def test_crf_sampler_with_a_model_without_pairwise_terms_is_a_usage_error(tmp_path, tiny_model_file):
    out = tmp_path / "s.jsonl"
    r = cli("sample", EX / "proteins.fasta", "-n", 1, "--sampler", "crf", "--model", tiny_model_file, "-o", out)
    assert r.exit_code == 2 and "label_pairwise" in r.output and not out.exists()


def test_clamp_option(tmp_path, tiny_model_file):
    fa = tmp_path / "in.fa"
    fa.write_text(">a\nMKVLAAGIVA\n>b\nGGGG\n")
    cl = tmp_path / "c.txt"
    cl.write_text(">a\nHHHHH-----\n>b\nHH\n")
    out = tmp_path / "o.jsonl"
    r = cli("predict", fa, "--clamp", cl, "-o", out, "--format", "jsonl", "--model", tiny_model_file)
    assert r.exit_code == 3
    (row,) = [json.loads(s) for s in out.read_text().splitlines()]
    assert row["ss8"][:5] == "HHHHH" and row["clamped"] == "HHHHH-----"
    assert "clamp has length 2" in r.output


def test_resume_through_cli(tmp_path, tiny_model_file, monkeypatch):
    import seqgsn.cli.predict as cp
    from seqgsn.api import load_model
    fa = tmp_path / "in.fa"
    fa.write_text("".join((EX / "proteins.fasta").read_text() for _ in range(4)))
    args = ["predict", fa, "--format", "tsv", "--batch-residues", 300, "--model", tiny_model_file]
    ref = tmp_path / "ref.tsv"
    assert cli(*args, "-o", ref).exit_code == 0

    class Dying:
        def __init__(self, inner, after):
            self.inner, self.after, self.path = inner, after, inner.path

        def predict(self, *a, **k):
            self.after -= 1
            if self.after < 0:
                raise KeyboardInterrupt
            return self.inner.predict(*a, **k)

    real = load_model(tiny_model_file)
    monkeypatch.setattr(cp, "_load", lambda path, threads, *device_precision: Dying(real, 3))
    out = tmp_path / "out.tsv"
    r = CliRunner().invoke(main, [str(a) for a in args] + ["-o", str(out)])
    assert r.exit_code != 0 and not out.exists() and (tmp_path / "out.tsv.partial").exists()
    monkeypatch.undo()
    r = cli(*args, "-o", out, "--resume")
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == ref.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["in.fa", "out.tsv", "ref.tsv", "tiny.pt"]


def test_resume_needs_files(tmp_path, tiny_model_file):
    r = cli("predict", EX / "proteins.fasta", "--resume", "--model", tiny_model_file)
    assert r.exit_code == 2 and "--resume" in r.output


def test_sample_restart_draws_each_sample_through_its_own_reveal_sweep(tmp_path, tiny_model_file):
    """--restart --reveal R: sample k is chain k's state after an R-step reveal sweep; sample 1 is the plain
    chain's first sample (same seed), later ones differ from the single chain's."""
    def draw(*extra):
        out = tmp_path / "s.jsonl"
        r = cli("sample", EX / "proteins.fasta", "-n", 3, "-o", out, "--model", tiny_model_file, "--seed", 5, *extra)
        assert r.exit_code == 0, r.output
        return [json.loads(s)["samples"] for s in out.read_text().splitlines()]
    restarted, one_chain = draw("--reveal", 4, "--restart"), draw("--reveal", 4)
    assert restarted == draw("--reveal", 4, "--restart")                    # reproducible from the seed
    assert all(a[0] == b[0] for a, b in zip(restarted, one_chain))
    assert any(a[1:] != b[1:] for a, b in zip(restarted, one_chain))
    assert any(len(set(s)) > 1 for s in restarted)                          # independent chains differ
    r = cli("sample", EX / "proteins.fasta", "-n", 2, "--reveal", 0, "--model", tiny_model_file)
    assert r.exit_code == 2 and "--reveal" in r.output


def test_sample_draws_observed_is_the_default_of_provenance_models_only(tmp_path, tiny_cfg):
    """A label_provenance model samples with its draws shown as observed unless --draws guessed; a model
    without the channel refuses --draws observed with a message naming the setting."""
    from dataclasses import replace
    import torch
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    cfg = replace(tiny_cfg, model=replace(tiny_cfg.model, label_provenance=True))
    torch.manual_seed(0)
    m = SeqGSN(cfg.model)
    with torch.no_grad():
        m.transition.w_obs.weight.mul_(50)           # an operator that reads the channel strongly
    prov = tmp_path / "prov.pt"
    save_model(prov, m, cfg, metrics={"note": "untrained"})

    def draw(model, *extra):
        out = tmp_path / "s.jsonl"
        r = cli("sample", EX / "proteins.fasta", "-n", 2, "-o", out, "--model", model, "--reveal", 4, *extra)
        assert r.exit_code == 0, r.output
        return [json.loads(s)["samples"] for s in out.read_text().splitlines()]
    default = draw(prov)
    assert default == draw(prov, "--draws", "observed")
    assert default != draw(prov, "--draws", "guessed")
    plain = tmp_path / "plain.pt"
    torch.manual_seed(0)
    save_model(plain, SeqGSN(tiny_cfg.model), tiny_cfg, metrics={"note": "untrained"})
    assert draw(plain) == draw(plain, "--draws", "guessed")
    r = cli("sample", EX / "proteins.fasta", "-n", 2, "--model", plain, "--draws", "observed")
    assert r.exit_code == 2 and "label_provenance" in r.output
    assert "record" not in r.output                 # one usage error up front, not one per record


def test_sample_groups_and_burn_in_come_from_the_chain_config_unless_given(tmp_path, tiny_cfg):
    """chain.sample_groups / chain.sample_burn_in are the defaults of --groups / --burn-in: a model carrying
    them samples exactly as the same weights do with the flags given; the flags change the samples."""
    from dataclasses import replace
    import torch
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model)
    plain, tuned = tmp_path / "plain.pt", tmp_path / "tuned.pt"
    save_model(plain, m, tiny_cfg, metrics={"note": "untrained"})
    save_model(tuned, m, replace(tiny_cfg, chain=replace(tiny_cfg.chain, sample_groups=4, sample_burn_in=8)),
               metrics={"note": "untrained"})

    def draw(model, *extra):
        out = tmp_path / "s.jsonl"
        r = cli("sample", EX / "proteins.fasta", "-n", 2, "-o", out, "--model", model, *extra)
        assert r.exit_code == 0, r.output
        return [json.loads(s)["samples"] for s in out.read_text().splitlines()]
    explicit = draw(plain, "--groups", 4, "--burn-in", 8)
    assert draw(tuned) == explicit
    assert draw(plain) != explicit
