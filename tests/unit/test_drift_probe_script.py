"""scripts/drift_probe.py: samples from the argmax start and from the all-masked start, per sweep count."""
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("drift_probe", REPO / "scripts" / "drift_probe.py")
drift = importlib.util.module_from_spec(spec)
spec.loader.exec_module(drift)


def test_states_have_the_chain_length_and_the_probe_prints_each_sweep_count(tiny_model_file, capsys):
    import seqgsn
    import torch
    model = seqgsn.load_model(tiny_model_file).model.eval()
    tokens = torch.randint(0, 20, (15,))
    start = torch.zeros(3, 15, dtype=torch.long)                          # all H
    states = drift.sampled_states(model, tokens, start, 3, 2, 1, 0)
    assert len(states) == 3 and all(len(s) == 15 and set(s) <= set("HGIEBTSC") for s in states)
    assert len(drift.sampled_states(model, tokens, None, 4, 2, 1, 0)) == 4
    drift.main(["--data", str(REPO / "data" / "examples" / "toy_test.txt"), "--model", str(tiny_model_file),
                "--sweeps", "1,2", "--max-chains", "3", "--samples", "2"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("3 chains x 2 samples") and "truth" in out[0]
    assert "after   1 sweeps" in out[1] and "after   2 sweeps" in out[2] and "argmax start" in out[2]
