import numpy as np

from seqgsn.evaluation import evaluate, format_report
from seqgsn.records import LabeledRecord


def test_report_lists_headline_numbers(toy):
    text = format_report(evaluate(*toy))
    lines = text.splitlines()
    assert any(l.split()[:2] == ["Q8", "76.92"] for l in lines)       # 10/13
    assert any(l.split()[:2] == ["Q3", "92.31"] for l in lines)       # 12/13
    assert any(l.startswith("  SOV3") and "96.15" in l for l in lines)  # 12.5/13
    assert "evaluated residues: 13" in text
    assert "truth\\pred" in text and "ECE8" in text and "W1" in text
    # 3-state confusion row for E: 4 right, 1 called C
    assert any(l.split() == ["E", "0", "4", "1"] for l in lines)


def test_report_handles_missing_8_state(toy):
    refs, preds = toy
    refs = [LabeledRecord(r.id, r.seq, ss3=r.ss3, mask=r.mask) for r in refs]
    text = format_report(evaluate(refs, preds, calibration=False, segments=False))
    assert "n/a" in text and "ECE8" not in text
    # no all-zero 8-state tables for a 3-state-only corpus; the 3-state ones stay
    assert "8-state per class (%)" not in text and "8-state confusion" not in text
    assert "8-state per class and confusion: n/a (no evaluated residue has 8-state truth)" in text
    assert "3-state per class (%)" in text and any(l.split() == ["E", "0", "4", "1"] for l in text.splitlines())


def test_chain_counts_say_the_empty_ones_are_extra(toy):
    assert format_report(evaluate(*toy)).splitlines()[0] == "chains: 2 evaluated (2 with 8-state labels)"
    refs, preds = toy
    refs[1].mask = np.zeros(6, bool)            # chain B: nothing evaluated
    m = evaluate(refs, preds)
    first = format_report(m).splitlines()[0]
    # 1 evaluated + 1 empty = the 2 chains read (JSON: n_chains 1, n_chains_empty 1)
    assert first == "chains: 1 evaluated (1 with 8-state labels); 1 more has no evaluated residue"
    m.update(n_chains=509, n_chains8=509, n_chains_empty=2)
    assert format_report(m).splitlines()[0] == ("chains: 509 evaluated (509 with 8-state labels); "
                                                "2 more have no evaluated residue")


def test_segment_decoding_headline_says_where_its_q3_comes_from(toy):
    m = evaluate(*toy)
    assert "--decode segment" not in format_report(m)
    m.update(decode="segment", decoding={"method": "segment", "comparison": {}})
    assert "(--decode segment: segment-decoded labels, Q3 and SOV3 from their 8->3 map; default argmax in " \
           "the decoding table)" in format_report(m)
