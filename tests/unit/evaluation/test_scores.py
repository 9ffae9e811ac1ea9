"""evaluate() on the two-chain toy of conftest.py, every number worked out by hand.

Evaluated residues (chain B's last residue is masked out):
  A  truth8 HHHHEETC  pred8 HHHGEECC   8-state 6/8 right; truth3 HHHHEECC = pred3 -> 8/8
  B  truth8 EEBCH     pred8 EECCH      8-state 4/5;       truth3 EEECH vs EECCH -> 4/5
"""
import json

import numpy as np
import pytest

from seqgsn.errors import AlphabetError, LabelMismatchError
from seqgsn.evaluation import evaluate
from seqgsn.records import LabeledRecord, Prediction


def test_counts_and_accuracies(toy):
    m = evaluate(*toy)
    assert (m["n_chains"], m["n_residues"], m["n_chains8"], m["n_residues8"]) == (2, 13, 2, 13)
    assert m["q8"] == pytest.approx(10 / 13)
    assert m["q3"] == pytest.approx(12 / 13)
    assert m["q8_chain_mean"] == pytest.approx((6 / 8 + 4 / 5) / 2)
    assert m["q3_chain_mean"] == pytest.approx((1 + 4 / 5) / 2)
    assert [c["id"] for c in m["per_chain"]] == ["A", "B"]
    assert m["per_chain"][1]["q8"] == pytest.approx(0.8)
    assert [(c["correct8"], c["n_residues8"]) for c in m["per_chain"]] == [(6, 8), (4, 5)]
    assert [(c["n_residues"], c["length"]) for c in m["per_chain"]] == [(8, 8), (5, 6)]   # B: 1 masked


def test_sov_weighted_and_chain_mean(toy):
    # A identical -> 1. B truth EEECH vs EECCH: E (2+1)/3*3 = 3, C (1+0)/2*1 = 0.5, H 1;
    # N = 3 + 1 + 1 -> 4.5 / 5 = 0.9
    m = evaluate(*toy)
    assert m["per_chain"][1]["sov3"] == pytest.approx(0.9)
    assert m["sov3"] == pytest.approx((8 * 1.0 + 5 * 0.9) / 13)
    assert m["sov3_chain_mean"] == pytest.approx(0.95)


def test_confusion_and_per_class(toy):
    m = evaluate(*toy)
    c8 = np.zeros((8, 8), int)
    # rows truth, cols pred, order HGIEBTSC
    c8[0, 0], c8[0, 1], c8[3, 3], c8[4, 7], c8[5, 7], c8[7, 7] = 4, 1, 4, 1, 1, 2
    assert m["confusion8"] == c8.tolist()
    assert m["confusion3"] == [[5, 0, 0], [0, 4, 1], [0, 0, 3]]
    p8 = m["per_class"]["ss8"]
    assert list(p8) == list("HGIEBTSC")
    assert p8["H"] == {"precision": 1.0, "recall": 0.8, "f1": pytest.approx(16 / 18), "support": 5}
    assert p8["G"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert p8["E"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 4}
    assert p8["B"]["support"] == 1 and p8["B"]["recall"] == 0.0
    assert p8["C"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 2}
    assert p8["I"]["support"] == p8["S"]["support"] == 0
    p3 = m["per_class"]["ss3"]
    assert p3["E"] == {"precision": 1.0, "recall": 0.8, "f1": pytest.approx(16 / 18), "support": 5}
    assert p3["C"] == {"precision": 0.75, "recall": 1.0, "f1": pytest.approx(6 / 7), "support": 3}


def test_calibration_hand_values(toy):
    cal = evaluate(*toy)["calibration"]
    # every residue: 0.65 on the predicted state, 0.05 elsewhere -> one bin, conf 0.65
    assert cal["ece8"] == pytest.approx(abs(10 / 13 - 0.65))
    # right residue: 0.35^2 + 7*0.05^2 = 0.14; wrong: 0.95^2 + 0.65^2 + 6*0.05^2 = 1.34
    assert cal["brier8"] == pytest.approx((10 * 0.14 + 3 * 1.34) / 13)
    full = [b for b in cal["reliability"] if b["count"]]
    assert len(full) == 1 and full[0]["count"] == 13
    assert full[0]["confidence"] == pytest.approx(0.65) and full[0]["accuracy"] == pytest.approx(10 / 13)
    # 3-state: H/C predictions have conf 0.75 (9 residues, 8 right), E ones 0.7 (4, all right)
    assert cal["ece3"] == pytest.approx((abs(8 - 9 * 0.75) + abs(4 - 4 * 0.7)) / 13)


def test_segments_hand_values(toy):
    seg = evaluate(*toy)["segments"]
    # E lengths: truth [2 (A), 3 (B)], pred [2, 2] -> W1 = 0.5
    assert seg["E"]["lengths"] == [1, 2, 3]
    assert seg["E"]["truth"] == [0, 1, 1] and seg["E"]["pred"] == [0, 2, 0]
    assert seg["E"]["w1"] == pytest.approx(0.5)
    assert seg["H"]["truth"] == seg["H"]["pred"] == [1, 0, 0, 1] and seg["H"]["w1"] == 0.0
    assert seg["H"]["mean_truth"] == 2.5


def test_mask_is_honoured(toy):
    refs, preds = toy
    refs[1].mask = None               # now the wrong last residue of B counts
    m = evaluate(refs, preds)
    assert m["n_residues"] == 14
    assert m["q8"] == pytest.approx(10 / 14) and m["q3"] == pytest.approx(12 / 14)


def test_all_masked_chain_is_ignored(toy):
    refs, preds = toy
    refs[1].mask = np.zeros(6, bool)
    m = evaluate(refs, preds)
    assert (m["n_chains"], m["n_chains_empty"], m["n_residues"]) == (1, 1, 8)
    assert m["q8"] == pytest.approx(6 / 8)


def test_ss3_only_reference(toy):
    refs, preds = toy
    refs[1] = LabeledRecord("B", "KLMNPQ", ss3="EEECHH", mask=np.array([1, 1, 1, 1, 1, 0], bool))
    m = evaluate(refs, preds)
    assert (m["n_chains"], m["n_residues"], m["n_chains8"], m["n_residues8"]) == (2, 13, 1, 8)
    assert m["q8"] == pytest.approx(6 / 8) and m["q8_chain_mean"] == pytest.approx(6 / 8)
    assert m["q3"] == pytest.approx(12 / 13)
    assert m["per_chain"][1]["q8"] is None
    assert (m["per_chain"][1]["correct8"], m["per_chain"][1]["n_residues8"]) == (0, 0)
    assert sum(v["support"] for v in m["per_class"]["ss8"].values()) == 8
    assert sum(map(sum, m["confusion8"])) == 8 and sum(map(sum, m["confusion3"])) == 13
    assert sum(b["count"] for b in m["calibration"]["reliability"]) == 8


def test_only_ss3_refs_give_none_for_8_state(toy):
    refs, preds = toy
    refs = [LabeledRecord(r.id, r.seq, ss3=r.ss3, mask=r.mask) for r in refs]
    m = evaluate(refs, preds)
    assert m["q8"] is None and m["q8_chain_mean"] is None and m["n_residues8"] == 0
    assert m["calibration"]["ece8"] is None and m["calibration"]["brier8"] is None
    assert m["q3"] == pytest.approx(12 / 13)
    # nothing to score in 8 states: null, not precision/recall 0.0 and a matrix of zeros
    assert m["per_class"]["ss8"] is None and m["confusion8"] is None
    assert m["per_class"]["ss3"]["E"]["recall"] == pytest.approx(4 / 5)
    assert m["confusion3"] == [[5, 0, 0], [0, 4, 1], [0, 0, 3]]
    json.dumps(m, allow_nan=False)


def test_result_is_strict_json(toy):
    m = evaluate(*toy)
    assert json.loads(json.dumps(m, allow_nan=False)) == m


def test_options_drop_sections(toy):
    m = evaluate(*toy, calibration=False, segments=False)
    assert "calibration" not in m and "segments" not in m
    preds = [Prediction(p.id, p.seq, p.ss8, None) for p in toy[1]]   # no probabilities
    m = evaluate(toy[0], preds, calibration=False)
    assert m["q3"] == pytest.approx(12 / 13)     # 3-state from ss8_to_ss3(pred.ss8)
    with pytest.raises(LabelMismatchError) as e:
        evaluate(toy[0], preds)
    assert e.value.record == "A"


def test_pred_ss3_comes_from_summed_probabilities():
    # argmax8 is E (0.4) but H+G+I = 0.6: the 3-state prediction is H
    prob = np.array([[0.3, 0.3, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0]], np.float32)
    m = evaluate([LabeledRecord("x", "A", ss8="H")], [Prediction("x", "A", "E", prob)])
    assert m["q8"] == 0.0 and m["q3"] == 1.0


@pytest.mark.parametrize("change,record", [
    (lambda r, p: setattr(p[1], "id", "Z"), "B"),
    (lambda r, p: setattr(p[0], "ss8", "HHHGEEC"), "A"),
    (lambda r, p: setattr(p[1], "prob8", p[1].prob8[:5]), "B"),
    (lambda r, p: setattr(p[1], "prob8", p[1].prob8[:, :3]), "B"),
    (lambda r, p: setattr(r[1], "mask", np.ones(5, bool)), "B"),
    (lambda r, p: setattr(r[0], "ss8", "HHHHEET"), "A"),
    (lambda r, p: setattr(r[0], "ss3", "HHH"), "A"),
    (lambda r, p: setattr(p[0], "seq", "ACDEFGHK"), "A"),
    (lambda r, p: r.__setitem__(0, LabeledRecord("A", "ACDEFGHI")), "A"),
    (lambda r, p: p.pop(), "B"),
])
def test_mismatches_raise_naming_the_record(toy, change, record):
    refs, preds = toy
    change(refs, preds)
    with pytest.raises(LabelMismatchError) as e:
        evaluate(refs, preds)
    assert e.value.record == record and record in str(e.value)


def test_bad_label_only_matters_where_evaluated(toy):
    refs, preds = toy
    preds[1].ss8 = "EECCHX"                       # position 6 is masked out: ignored
    assert evaluate(refs, preds, calibration=False)["n_residues"] == 13
    preds[1].ss8 = "EXCCHE"
    with pytest.raises(AlphabetError) as e:
        evaluate(refs, preds, calibration=False)
    assert (e.value.record, e.value.position) == ("B", 2)


def test_lowercase_sequence_matches(toy, make_pred):
    refs, preds = toy
    preds[0] = make_pred("A", "acdefghi", "HHHGEECC")
    assert evaluate(refs, preds)["q8"] == pytest.approx(10 / 13)


def test_empty_input_is_valid_json():
    m = evaluate([], [])
    assert m["n_chains"] == 0 and m["q3"] is None and m["sov3"] is None
    assert m["calibration"]["ece3"] is None and m["segments"]["H"]["w1"] is None
    assert m["per_class"] == {"ss8": None, "ss3": None} and m["confusion3"] is None
    json.dumps(m, allow_nan=False)


def test_q8_with_pi_helix_scored_as_alpha_helix():
    # truth HHIIIHCC vs pred HHHHHHCI: Q8 4/8 (the three I and the last C wrong); I as H: the three
    # truth I become right, the predicted I at the end stays wrong (truth C) -> 7/8
    ref = LabeledRecord("A", "ACDEFGHI", ss8="HHIIIHCC")
    pred = Prediction("A", "ACDEFGHI", ss8="HHHHHHCI", prob8=None)
    m = evaluate([ref], [pred], calibration=False, segments=False)
    assert m["q8"] == pytest.approx(4 / 8) and m["q8_i_as_h"] == pytest.approx(7 / 8)
