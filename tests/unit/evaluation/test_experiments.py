"""Mechanics of the generative experiments: exact numbers with stub predictors, and the real
chain machinery on the tiny random-weights model (no accuracy claims)."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from seqgsn.alphabet import SS8
from seqgsn.api import load_model
from seqgsn.chain.label_stats import segment_bounds
from seqgsn.evaluation import evaluate
from seqgsn.evaluation import chain_experiments, experiment_report
from seqgsn.evaluation import experiments as gen
from seqgsn.records import LabeledRecord, Prediction


def onehot(labels: str) -> np.ndarray:
    p = np.zeros((len(labels), 8), np.float32)
    p[np.arange(len(labels)), [SS8.index(c) for c in labels]] = 1.0
    return p


@pytest.fixture
def refs():
    rng = np.random.default_rng(5)
    out = []
    for i, L in enumerate([30, 41, 25, 60, 12]):
        seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), L))
        ss8 = "".join(rng.choice(list(SS8), L))
        mask = np.ones(L, bool)
        if i % 2:
            mask[:3] = False          # masked-out residues never count
            mask[L // 2] = False
        out.append(LabeledRecord(f"c{i}", seq, ss8, mask=mask))
    return out


class Stub:
    """Predictor stand-in. predict: all-C, or ``on_clamp`` behaviour when clamped;
    sample: the strings ``sample_fn(record, k)``."""

    def __init__(self, on_clamp="obey", truth=None, sample_fn=None):
        self.on_clamp, self.truth, self.sample_fn = on_clamp, truth or {}, sample_fn
        self.chain = SimpleNamespace(steps=1, burn_in=0, noise=False, sampler="independent")
        self.path = None

    def predict(self, records, *, clamps=None, seed=0, noisy=None, steps=None, burn_in=None):
        out = []
        for r in records:
            lab = ["C"] * len(r.seq)
            c = (clamps or {}).get(r.id)
            if c is not None and self.on_clamp == "obey":
                lab = [x if x != "-" else y for x, y in zip(c, lab)]
            elif c is not None and self.on_clamp == "oracle":
                lab = list(self.truth[r.id])
            s = "".join(lab)
            out.append(Prediction(r.id, r.seq, s, onehot(s), clamped=c))
        return out

    def sample(self, records, *, n, burn_in=None, thin=1, seed=0, clamps=None, sampler=None):
        out = []
        for r in records:
            samples = [self.sample_fn(r, k) for k in range(n)]
            out.append(Prediction(r.id, r.seq, samples[0], onehot(samples[0]), samples=samples))
        return out


def n_eval(refs):
    return int(sum(r.eval_mask().sum() for r in refs))


# ----------------------------------------------------------------------------- subsets, clamp positions

def test_select_chains_is_a_seeded_ordered_subset(refs):
    a = gen.select_chains(refs, 3, seed=1)
    assert len(a) == 3 and [r.id for r in a] == sorted(r.id for r in a)
    assert [r.id for r in a] == [r.id for r in gen.select_chains(refs, 3, seed=1)]
    assert gen.select_chains(refs, None) == refs and gen.select_chains(refs, 99) == refs


@pytest.mark.parametrize("mode", ["random", "segments"])
def test_clamp_positions_count_and_mask(mode):
    rng = np.random.default_rng(0)
    keep = np.ones(80, bool)
    keep[10:20] = False
    pos = gen._clamp_positions(keep, 0.25, mode, rng)
    assert pos.size == round(0.25 * 70) and np.unique(pos).size == pos.size
    assert keep[pos].all()


def test_segment_clamps_are_contiguous_runs():
    keep = np.ones(300, bool)
    pos = gen._clamp_positions(keep, 0.5, "segments", np.random.default_rng(3), (5, 15))
    on = np.zeros(300, bool)
    on[pos] = True
    starts, ends = segment_bounds("".join("x" if v else "." for v in on), "x")
    # each draw of >= 5 residues opens at most one run; only the chain end and the final cut
    # can make a shorter new run
    assert len(starts) <= 150 / 5 + 2
    assert np.mean(ends - starts + 1) >= 5


# ----------------------------------------------------------------------------- clamping

def test_clamp_obeying_stub_gains_nothing_and_moves_no_neighbour(refs):
    out = gen.clamp_experiment(Stub("obey"), refs, fractions=(0.1, 0.5), modes=("random", "segments"),
                               n_boot=50)
    assert len(out["rows"]) == 4 and out["n_residues"] == n_eval(refs)
    for r in out["rows"]:
        assert r["neighbour_agree"] == r["neighbour_agree_unclamped"] is not None
        assert r["n_free"] + r["n_clamped"] == n_eval(refs)
        assert r["q8_gain"] == 0.0 and r["q8_free"] == r["q8_free_unclamped"]
    json.dumps(out, allow_nan=False)


def test_clamp_oracle_stub_is_perfect_on_free_residues(refs):
    truth = {r.id: r.ss8 for r in refs}
    out = gen.clamp_experiment(Stub("oracle", truth), refs, fractions=(0.25,), modes=("random",), n_boot=50)
    r = out["rows"][0]
    free_c = sum((np.frombuffer(x.ss8.encode(), "u1") == ord("C"))[x.eval_mask()].sum() for x in refs)
    assert r["q8_free"] == 1.0 and r["q3_free"] == 1.0
    # baseline is all-C: its free-residue Q8 is the C fraction of the free residues (<= all C)
    assert 0.0 < r["q8_free_unclamped"] < 1.0 and r["q8_free_unclamped"] * r["n_free"] <= free_c
    assert r["q8_gain"] == pytest.approx(1.0 - r["q8_free_unclamped"])
    # the oracle's free residues follow the (random) truth instead of all-C: the agreement moves
    assert r["neighbour_agree"] != r["neighbour_agree_unclamped"]
    lo, hi = r["q8_gain_ci95"]
    assert lo <= r["q8_gain"] <= hi


def test_clamp_ignoring_stub_moves_no_neighbour(refs):
    out = gen.clamp_experiment(Stub("ignore"), refs, fractions=(0.5,), modes=("random",), n_boot=0)
    r = out["rows"][0]
    # the stub outputs C everywhere: a free neighbour agrees with its clamp exactly when that is C
    assert r["neighbour_agree"] == r["neighbour_agree_unclamped"] < 1.0
    assert r["q8_gain_ci95"] == [None, None]


# ----------------------------------------------------------------------------- sampling

def test_sample_experiment_exact_diversity_and_agreement(refs):
    # samples H, H, C, C: per position 4 of the 6 pairs differ -> diversity 2/3
    stub = Stub(sample_fn=lambda r, k: ("H" if k < 2 else "C") * len(r.seq))
    out = gen.sample_experiment(stub, refs, n=4, n_splits=5)
    assert out["diversity"]["pooled"] == pytest.approx(2 / 3)
    assert out["diversity"]["chain_mean"] == pytest.approx(2 / 3)
    # majority of a 2-2 tie is H (earliest state); the prediction is all C
    assert out["majority_agreement"]["argmax"] == 0.0
    assert out["n_residues"] == n_eval(refs)
    json.dumps(out, allow_nan=False)


def test_sample_experiment_truth_samples_match_truth(refs):
    truth = {r.id: r.ss8 for r in refs}
    stub = Stub(sample_fn=lambda r, k: truth[r.id])
    out = gen.sample_experiment(stub, refs, n=3, n_splits=5)
    assert out["diversity"]["pooled"] == 0.0
    d = out["decoders"]
    assert d["single_sample"]["q8"] == 1.0 and d["majority"]["q8"] == 1.0 and d["single_sample"]["q8_sd"] == 0
    assert d["argmax"]["q8"] == pytest.approx(evaluate(refs, Stub().predict([r.as_record() for r in refs]))["q8"])
    for cls in "HE":
        seg = out["segments"][cls]
        assert seg["samples"]["w1_vs_truth"] == 0.0
        assert seg["samples"]["n_segments"] == seg["truth"]["n_segments"]   # per labelling of the set
        assert seg["samples"]["hist"] == seg["truth"]["hist"]
        assert seg["truth_split"]["n_splits"] == 5 and seg["truth_split"]["mean"] >= 0


def test_sample_experiment_needs_two_samples(refs):
    with pytest.raises(ValueError):
        gen.sample_experiment(Stub(sample_fn=lambda r, k: "C" * len(r.seq)), refs, n=1)


def test_decode_comparison_segment_has_no_short_runs(refs):
    preds = [Prediction(r.id, r.seq, "".join(SS8[i] for i in p.argmax(1)), p) for r, p in
             ((r, np.random.default_rng(i).dirichlet(np.ones(8), len(r.seq)).astype(np.float32))
              for i, r in enumerate(refs))]
    out = gen.decode_comparison(refs, preds)
    assert out["argmax"]["violations_per_100"] > 0
    # runs can only be cut short where the evaluation mask cuts a segment (chains c1, c3)
    full = [LabeledRecord(r.id, r.seq, r.ss8) for r in refs]
    assert gen.decode_comparison(full, preds)["segment"]["violations_per_100"] == 0.0


# H+G+I = 0.6 but E (0.4) is the top 8-state class: the 3-state prediction differs between the
# summed probabilities (H) and the 8->3 map of the argmax string (E)
SPLIT = np.array([0.3, 0.3, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0], np.float32)


def split_preds(refs):
    """All-SPLIT predictions: ss8 all E, ss3 (summed) all H."""
    return [Prediction(r.id, r.seq, "E" * len(r.seq), np.tile(SPLIT, (len(r.seq), 1))) for r in refs]


def helix_refs(refs):
    return [LabeledRecord(r.id, r.seq, "H" * len(r.seq), mask=r.mask) for r in refs]


def test_decode_comparison_argmax_row_is_the_plain_evaluate(refs):
    # the argmax row must repeat evaluate()'s Q3/SOV3 (QA: --decode segment showed another Q3 for the
    # same argmax); the 8->3 map of the same strings is the separate argmax_8to3 row
    refs = helix_refs(refs)
    preds = split_preds(refs)
    plain = evaluate(refs, preds)
    out = gen.decode_comparison(refs, preds)
    assert plain["q3"] == 1.0 and plain["sov3"] == 1.0
    assert (out["argmax"]["q3"], out["argmax"]["sov3"], out["argmax"]["q8"]) == (1.0, 1.0, plain["q8"])
    assert out["argmax_8to3"]["q3"] == 0.0 and out["argmax_8to3"]["q8"] == plain["q8"]
    assert list(out) == ["argmax", "argmax_8to3", "segment"]


def test_sample_experiment_argmax_decoder_is_the_plain_evaluate(refs):
    class SplitStub(Stub):
        def predict(self, records, **kw):
            return split_preds(records)
    refs = helix_refs(refs)
    out = gen.sample_experiment(SplitStub(sample_fn=lambda r, k: "E" * len(r.seq)), refs, n=2, n_splits=2)
    d = out["decoders"]
    assert d["argmax"]["q3"] == evaluate(refs, split_preds(refs))["q3"] == 1.0
    assert d["argmax_8to3"]["q3"] == 0.0 and d["single_sample"]["q3"] == 0.0   # strings: the 8->3 map
    text = experiment_report.format_samples(out)
    assert "argmax 8->3" in text and "argmax = argmax of the summed 3-state probabilities" in text


def test_decoding_table_labels_what_each_q3_is(refs):
    refs = helix_refs(refs)
    text = experiment_report.format_generative_report(
        {"decoding": {"method": "segment", "comparison": gen.decode_comparison(refs, split_preds(refs))}})
    rows = {" ".join(l.split()[:-4]): l.split()[-4:] for l in text.splitlines()[2:5]}
    assert rows["argmax"][1] == "100.00" and rows["argmax 8->3"][1] == "0.00"
    assert "other rows = 8->3 map" in text


# ----------------------------------------------------------------------------- the real chain (tiny model)

@pytest.fixture
def tiny(tiny_model_file):
    return load_model(tiny_model_file)


def test_clamped_real_chain_keeps_clamps(tiny, refs):
    out = gen.clamp_experiment(tiny, refs, fractions=(0.25,), modes=("random", "segments"), n_boot=20)
    assert all(r["neighbour_agree"] is not None and r["n_free"] > 0 for r in out["rows"])


def test_chain_diagnostics_matches_predict(tiny, refs):
    d = chain_experiments.chain_diagnostics(tiny, refs, max_steps=4, ess_chains=2, ess_samples=8, max_lag=3)
    recs = [r.as_record() for r in refs]
    n = d["n_residues"]
    for k, b in ((2, 0), (3, 1), (4, 1)):
        q = evaluate(refs, tiny.predict(recs, steps=k, burn_in=b))["q8"]
        assert d["q8_avg"][str(b)][k - 1] == pytest.approx(q, abs=1.5 / n)   # float32 vs float64 sums
    assert d["q8_avg"]["1"][0] is None and d["q8_step"][0] == d["q8_avg"]["0"][0]
    assert len(d["q8_step"]) == len(d["mean_marginal"]) == 4
    assert sum(d["mean_marginal"][2].values()) == pytest.approx(1.0, abs=1e-5)
    assert sum(d["truth_freq"].values()) == pytest.approx(1.0)
    assert d["mixing"]["n_chains"] == 2
    json.dumps(d, allow_nan=False)


def test_sample_experiment_runs_on_real_chain(tiny, refs):
    s = gen.sample_experiment(tiny, refs, n=3, n_splits=3)
    assert 0.0 <= s["diversity"]["pooled"] <= 1.0
    assert 0.0 <= s["majority_agreement"]["argmax"] <= 1.0
    assert s["decoders"]["segment"]["q8"] is not None
    json.dumps(s, allow_nan=False)


def test_samples_of_an_untrained_model_are_diverse(tiny, refs):
    # near-uniform marginals: samples differ a lot (all-H samples were the NaN-Gumbel bug)
    s = gen.sample_experiment(tiny, refs, n=4, n_splits=2)
    assert s["diversity"]["pooled"] > 0.3
    assert s["majority_agreement"]["argmax"] < 1.0


def test_calibration_compare_same_model_twice(tiny, refs):
    c = chain_experiments.calibration_compare({"a": tiny, "b": tiny}, refs)
    a, b = c["models"]["a"], c["models"]["b"]
    assert a["ece8"] == b["ece8"] and a["nll8"] == b["nll8"]
    assert 0.0 <= a["ece8"] <= 1.0 and 0.0 <= a["brier8"] <= 2.0 and a["nll8"] > 0
    assert len(a["reliability"]) == 15
    json.dumps(c, allow_nan=False)


def test_text_report_has_every_section(tiny, refs):
    truth = {r.id: r.ss8 for r in refs}
    m = {"clamping": gen.clamp_experiment(Stub("obey"), refs, fractions=(0.25,), n_boot=10),
         "generative": {"samples": gen.sample_experiment(Stub(sample_fn=lambda r, k: truth[r.id]), refs, n=2),
                        "chain": chain_experiments.chain_diagnostics(tiny, refs, max_steps=2, ess_chains=1,
                                                                     ess_samples=4)},
         "calibration_compare": chain_experiments.calibration_compare({"tiny": tiny}, refs)}
    text = experiment_report.format_generative_report(m)
    for head in ("clamping:", "samples (independent sampler):", "chain diagnostics:", "calibration comparison"):
        assert head in text
    assert experiment_report.format_generative_report({}) == ""
