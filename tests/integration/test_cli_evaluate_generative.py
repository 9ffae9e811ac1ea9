"""`seqgsn evaluate` with the generative options, on 5 CB513 chains with the tiny random model."""
import json

import pytest
from click.testing import CliRunner

from seqgsn.chain.segments import min_length_violations
from seqgsn.cli import main

CB513 = "prottrans_netsurfp2_csv/CB513_HHblits.csv"


def run(*args):
    return CliRunner().invoke(main, ["evaluate", *map(str, args)], catch_exceptions=False)


def test_evaluate_with_every_generative_option(tiny_model_file, shared_data, tmp_path):
    out = tmp_path / "m.json"
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 5, "--threads", 1,
            "--decode", "segment", "--generative", "--samples", 3, "--clamp-fractions", "0.25,0.5",
            "--compare-model", tiny_model_file, "--json", out)
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text())
    assert m["n_chains"] + m["n_chains_empty"] == 5 and m["max_chains"] == 5
    assert m["decode"] == "segment" and set(m["decoding"]["comparison"]) == {"argmax", "argmax_8to3", "segment"}
    assert "ece8" in m["calibration"]
    rows = m["clamping"]["rows"]
    assert [(x["mode"], x["fraction"]) for x in rows] == [("random", 0.25), ("random", 0.5),
                                                         ("segments", 0.25), ("segments", 0.5)]
    assert all(x["neighbour_agree"] is not None for x in rows)
    s = m["generative"]["samples"]
    assert s["n_samples"] == 3 and s["n_chains"] == m["n_chains8"]
    assert m["generative"]["chain"]["max_steps"] == 12
    assert len(m["calibration_compare"]["models"]) == 2          # same file twice, two names
    for head in ("Q8", "decoding", "clamping:", "samples (independent sampler):", "chain diagnostics:",
                 "calibration comparison"):
        assert head in r.output


def test_generative_evaluation_of_a_crf_model_reports_both_samplers(tiny_pairwise_model_file,
                                                                     shared_data, tmp_path):
    out = tmp_path / "m.json"
    r = run("--model", tiny_pairwise_model_file, "--data", shared_data / CB513, "--max-chains", 3,
            "--threads", 1, "--generative", "--samples", 2, "--json", out)
    assert r.exit_code == 0, r.output
    g = json.loads(out.read_text())["generative"]
    assert g["samples"]["sampler"] == "crf" and g["samples_independent"]["sampler"] == "independent"
    assert "samples (crf sampler)" in r.output and "samples (independent sampler)" in r.output


def test_segment_decode_output_respects_min_lengths(tiny_model_file, shared_data, tmp_path):
    from seqgsn.api import load_model
    from seqgsn.evaluation.experiments import select_chains
    from seqgsn.io.corpus import read_corpus
    from seqgsn.chain.segments import decode_segment
    refs = select_chains(read_corpus(shared_data / CB513), 3, seed=0)
    preds = load_model(tiny_model_file).predict([x.as_record() for x in refs])
    assert all(min_length_violations(decode_segment(p.prob8)) == 0 for p in preds)
    out = tmp_path / "a.json"
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 3, "--json", out)
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text())
    assert m["decode"] == "argmax"
    assert not {"clamping", "generative", "calibration_compare", "decoding"} & set(m)


def test_segment_decoding_table_repeats_the_default_argmax_numbers(tiny_model_file, shared_data, tmp_path):
    # QA: the decoding table's argmax row (Q3 from the 8->3 map) disagreed with a plain run (Q3 from
    # the summed 3-state probabilities) on the same chains
    common = ("--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 8, "--threads", 1)
    plain, seg = tmp_path / "plain.json", tmp_path / "seg.json"
    assert run(*common, "--json", plain).exit_code == 0
    table = tmp_path / "seg.tsv"
    r = run(*common, "--decode", "segment", "--json", seg, "--residues", table)
    assert r.exit_code == 0, r.output
    p, s = json.loads(plain.read_text()), json.loads(seg.read_text())
    # the residue table holds the labels the headline scored: rescoring it gives the same Q8 / Q3 (the
    # argmax labels would not: the two decodings score differently on these chains)
    assert (s["q8"], s["q3"]) != (p["q8"], p["q3"])
    rows = [ln.split("\t") for ln in table.read_text().splitlines()[1:]]
    scored = [x for x in rows if x[7] == "1" and x[3] != "-"]
    assert sum(x[3] == x[4] for x in scored) / len(scored) == pytest.approx(s["q8"], abs=1e-9)
    assert sum(x[5] == x[6] for x in scored) / len(scored) == pytest.approx(s["q3"], abs=1e-9)
    arg = s["decoding"]["comparison"]["argmax"]
    assert (arg["q8"], arg["q3"], arg["sov3"]) == (p["q8"], p["q3"], p["sov3"])
    # the untrained model's 8->3 map and summed probabilities disagree: the test can tell them apart
    assert s["decoding"]["comparison"]["argmax_8to3"]["q3"] != p["q3"]
    assert s["q8"] == s["decoding"]["comparison"]["segment"]["q8"]     # the headline is the segment decoding
    row = next(l for l in r.output.splitlines() if l.split()[:1] == ["argmax"] and "8->3" not in l)
    assert row.split()[2] == f"{100 * p['q3']:.2f}"
    assert "other rows = 8->3 map" in r.output and "Q3 and SOV3 from their 8->3 map" in r.output


def test_report_folder_is_created_with_its_parents(tiny_model_file, shared_data, tmp_path):
    pytest.importorskip("matplotlib")
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 2, "--threads", 1,
            "--report", tmp_path / "a" / "b")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "a" / "b" / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_bad_clamp_fractions_is_a_usage_error(tiny_model_file, shared_data):
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--clamp-fractions", "0.25,1.5")
    assert r.exit_code == 2 and "fractions must be in (0, 1)" in r.output
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--clamp-modes", "stripes")
    assert r.exit_code == 2 and "random and/or segments" in r.output


def test_profiles_in_the_data_are_reported_as_unused_by_a_sequence_model(tiny_model_file, shared_data, tmp_path):
    out = tmp_path / "m.json"
    r = run("--model", tiny_model_file, "--data", shared_data / "casp10_casp11_h5" / "casp10.h5",
            "--max-chains", 3, "--threads", 1, "--json", out)
    assert r.exit_code == 0, r.output
    assert "3 of 3 chains" in r.output and "carry profiles" in r.output and "not used" in r.output
    assert json.loads(out.read_text())["profiles"] == {"chains_with_profiles": 3, "used": False}
    r = run("--model", tiny_model_file, "--data", shared_data / CB513, "--max-chains", 2, "--threads", 1,
            "--json", out)
    assert "carry profiles" not in r.output
    assert json.loads(out.read_text())["profiles"] == {"chains_with_profiles": 0, "used": False}
