"""scripts/paired_q8.py: the chain bootstrap and the per-chain counts behind Q8 / Q3 / SOV3."""
import importlib.util
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("paired_q8", REPO / "scripts" / "paired_q8.py")
paired = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paired)


def test_paired_ci_of_a_known_difference():
    n = np.array([10.0, 20.0, 30.0, 40.0])
    diff, lo, hi = paired.paired_ci(n, np.zeros(4), n)           # A right everywhere, B nowhere
    assert (diff, lo, hi) == (100.0, 100.0, 100.0)
    a, b = np.array([5.0, 10, 15, 20]), np.array([4.0, 10, 15, 21])   # B ahead on the biggest chain
    diff, lo, hi = paired.paired_ci(a, b, n, draws=500)
    assert diff == 0.0 and lo < 0 < hi


def test_counts_add_up_to_evaluate_and_models_differ(tmp_path, tiny_cfg, capsys):
    from seqgsn.evaluation import evaluate
    from seqgsn.io.corpus import read_corpus
    from seqgsn.model.checkpoint import save_model
    from seqgsn.model.gsn import SeqGSN
    import seqgsn
    data = REPO / "data" / "examples" / "toy_test.txt"
    refs = [r for r in read_corpus(str(data)) if (r.ss8 or r.ss3) is not None]
    files = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        files.append(tmp_path / f"m{seed}.pt")
        save_model(files[-1], SeqGSN(tiny_cfg.model), tiny_cfg, metrics={"note": "untrained"})
    got = paired.per_chain_counts(files[0], refs)
    want = evaluate(refs, seqgsn.load_model(files[0]).predict([r.as_record() for r in refs]))
    assert abs(got["c8"].sum() / got["n8"].sum() - want["q8"]) < 1e-9
    assert abs(got["c3"].sum() / got["n"].sum() - want["q3"]) < 1e-9
    paired.main(["--a", str(files[0]), "--b", str(files[1]), "--b", str(files[0]), "--data", str(data),
                 "--draws", "200"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(k in out[1] for k in ("Q8 A", "Q3 A", "SOV3 A"))
    assert "A-B +0.00 [+0.00, +0.00]" in out[2] and "A-B +0.00 [+0.00, +0.00]; Q3" not in out[1]


def test_an_evaluate_json_stands_for_its_model(tmp_path, tiny_model_file):
    import json
    from seqgsn.evaluation import evaluate
    from seqgsn.io.corpus import read_corpus
    import seqgsn
    data = REPO / "data" / "examples" / "toy_test.txt"
    refs = [r for r in read_corpus(str(data)) if (r.ss8 or r.ss3) is not None]
    m = evaluate(refs, seqgsn.load_model(tiny_model_file).predict([r.as_record() for r in refs]))
    (tmp_path / "m.json").write_text(json.dumps(m))
    a, b = paired.per_chain_counts(tmp_path / "m.json", refs), paired.per_chain_counts(tiny_model_file, refs)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    (tmp_path / "other.json").write_text(json.dumps({"per_chain": m["per_chain"][1:]}))
    with __import__("pytest").raises(SystemExit, match="not the chains"):
        paired.per_chain_counts(tmp_path / "other.json", refs)


def test_class_contributions_add_up_and_name_where_residues_went(tmp_path):
    import json
    labels = list("HGIEBTSC")
    ca = np.diag([50, 0, 0, 30, 0, 10, 0, 40]).astype(int)
    cb = ca.copy()
    t, h, c = labels.index("T"), labels.index("H"), labels.index("C")
    cb[t, t] -= 6; cb[t, c] += 6          # B calls 6 turns coil
    cb[h, h] -= 2; cb[h, t] += 2          # and 2 helix residues turn
    for name, m in (("a", ca), ("b", cb)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"confusion8": m.tolist(), "labels8": labels}))
    contrib, moved = paired.class_contributions(tmp_path / "a.json", tmp_path / "b.json")
    n = ca.sum()
    assert abs(contrib["T"] - 600 / n) < 1e-9 and abs(contrib["H"] - 200 / n) < 1e-9
    assert abs(sum(contrib.values()) - 100 * (np.trace(ca) - np.trace(cb)) / n) < 1e-9
    assert moved["T"] == {"C": 6} and moved["H"] == {"T": 2} and moved["E"] == {}
    cb[c, c] += 1
    (tmp_path / "b.json").write_text(json.dumps({"confusion8": cb.tolist(), "labels8": labels}))
    with __import__("pytest").raises(SystemExit, match="same residues"):
        paired.class_contributions(tmp_path / "a.json", tmp_path / "b.json")


def test_a_missing_data_file_is_one_line_not_a_traceback(tiny_model_file, capsys):
    with __import__("pytest").raises(SystemExit) as e:
        paired.main(["--a", str(tiny_model_file), "--b", str(tiny_model_file), "--data", "/nonexistent.csv"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(": error: /nonexistent.csv: no such file or folder\n") and len(err.splitlines()) == 1
