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
