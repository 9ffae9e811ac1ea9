"""seqgsn.progress: live line on a terminal, periodic plain lines otherwise, nothing when quiet."""
import io

from seqgsn.progress import Progress, fmt_seconds, ticker, write


def test_plain_lines_off_a_terminal_have_counts_rate_and_eta(monkeypatch):
    monkeypatch.setenv("SEQGSN_PROGRESS_INTERVAL", "0")
    err = io.StringIO()
    p = Progress("predict", 1000, "residues", stream=err)
    p.update(250)
    p.close()
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("seqgsn: predict: 250/1,000 residues (25.0%), ")
    assert "residues/s" in lines[0] and "ETA" in lines[0] and "\r" not in err.getvalue()
    assert len(lines) == 2                       # the update, and a closing line since one was printed


def test_quiet_prints_nothing_even_on_a_terminal(monkeypatch):
    monkeypatch.setenv("SEQGSN_PROGRESS_INTERVAL", "0")
    err = io.StringIO()
    with Progress("train", 10, "steps", stream=err, quiet=True, tty=True) as p:
        p.update(5)
    with ticker("filter", stream=err, quiet=True):
        pass
    assert err.getvalue() == ""


def test_terminal_line_is_tqdm_and_log_lines_do_not_tear_it():
    err = io.StringIO()
    with Progress("evaluate", 100, "residues", stream=err, tty=True) as p:
        p.update(40)
        write("[epoch] 1 val Q8 61.2%", err)
        p.set_total(200)
        p.update(10)
    text = err.getvalue()
    assert "seqgsn: evaluate" in text and "[epoch] 1 val Q8 61.2%\n" in text and "/200" in text


def test_ticker_off_a_terminal_says_what_it_does():
    err = io.StringIO()
    with ticker("filter: MMseqs2 prefilter", stream=err):
        pass
    assert err.getvalue() == "seqgsn: filter: MMseqs2 prefilter ...\n"


def test_fmt_seconds():
    assert (fmt_seconds(65), fmt_seconds(3723), fmt_seconds(-1)) == ("1:05", "1:02:03", "0:00")


def test_predict_reports_every_chain_batch_not_only_every_chunk(tiny_model_file, monkeypatch, tmp_path):
    """Feedback before the first 200,000-residue chunk is done: one callback per chain batch."""
    from dataclasses import replace

    from seqgsn.api import load_model
    from seqgsn.chain.pipeline import RunOptions, run
    from seqgsn.records import Record

    m = load_model(tiny_model_file)
    m.cfg = replace(m.cfg, chain=replace(m.cfg.chain, batch_residues=200))
    recs = [Record(f"r{i}", "MKVLAAGIVALLLAAGCSSS" * 5) for i in range(8)]      # 8 x 100 residues
    seen = []
    m.predict(recs, on_batch=seen.append)
    assert len(seen) >= 4 and sum(seen) == 800
    monkeypatch.setenv("SEQGSN_PROGRESS_INTERVAL", "0")
    err = io.StringIO()
    src = tmp_path / "in.fa"
    src.write_text("".join(f">{r.id}\n{r.seq}\n" for r in recs))
    out = io.StringIO()
    run(m, src, stdout=out, stderr=err)          # one chunk (default 200,000 residues), several batches
    lines = [x for x in err.getvalue().splitlines() if x.startswith("seqgsn: predict: ")]
    assert len(lines) >= 4 and lines[0].startswith("seqgsn: predict: 200/800 residues (25.0%)")
