"""scripts/context_probe.py: one transition given a fraction of the true labels, scored on the hidden ones."""
import importlib.util
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("context_probe", REPO / "scripts" / "context_probe.py")
probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe)


def test_scores_count_only_hidden_evaluated_labelled_residues(tiny_model_file):
    import seqgsn
    model = seqgsn.load_model(tiny_model_file).model.eval()
    tokens = torch.randint(0, 20, (12,))
    labels = torch.tensor([0] * 6 + [2] * 5 + [-1])                       # last residue has no label
    keep = torch.ones(12, dtype=torch.bool)
    keep[0] = False                                                       # first residue not evaluated
    c, p, n = probe.hidden_scores(model, tokens, labels, keep, 1.0, 3, torch.Generator().manual_seed(0))
    assert n == 3 * 10 and 0 <= c <= n and 0 < p < n
    _, _, n_half = probe.hidden_scores(model, tokens, labels, keep, 0.5, 40, torch.Generator().manual_seed(0))
    assert 0.3 * 400 < n_half < 0.7 * 400


def test_shown_labels_reach_the_hidden_residues(tiny_model_file):
    """Same hidden residues with the same true labels, different shown labels: the scores move."""
    import seqgsn
    model = seqgsn.load_model(tiny_model_file).model.eval()
    tokens = torch.randint(0, 20, (12,))
    keep = torch.ones(12, dtype=torch.bool)
    hide = torch.rand(1, 12, generator=torch.Generator().manual_seed(1))[0] < 0.5   # the probe's own draw
    a = torch.zeros(12, dtype=torch.long)
    b = torch.where(hide, a, torch.full_like(a, 2))                       # only the shown labels differ
    sa = probe.hidden_scores(model, tokens, a, keep, 0.5, 1, torch.Generator().manual_seed(1))
    sb = probe.hidden_scores(model, tokens, b, keep, 0.5, 1, torch.Generator().manual_seed(1))
    assert sa[2] == sb[2] == int(hide.sum()) > 0 and abs(sa[1] - sb[1]) > 1e-4


def test_main_prints_one_line_per_fraction(tiny_model_file, capsys):
    probe.main(["--data", str(REPO / "data" / "examples" / "toy_test.txt"), "--model", str(tiny_model_file),
                "--hidden", "1,0.5", "--max-chains", "3", "--repeats", "2"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("3 chains, 2 copies each") and len(out) == 4
    assert "hidden 1.00: Q8" in out[1] and "hidden 0.50: Q8" in out[2] and "P(helix | coil on both sides)" in out[3]


def test_isolated_rates_pick_the_residues_between_two_coil_or_two_helix_residues(tiny_model_file):
    import seqgsn
    model = seqgsn.load_model(tiny_model_file).model.eval()
    tokens = torch.randint(0, 20, (10,))
    coil, helix = probe.isolated_rates(model, tokens, "CCTHHHHCSC")    # 3-state CCCHHHHCCC
    assert coil.shape == (2,) and helix.shape == (2,)                  # residues 2 and 9; 5 and 6 (1-based)
    assert ((coil > 0) & (coil < 1)).all() and ((helix > 0) & (helix < 1)).all()


def test_a_provenance_model_reads_the_shown_true_labels_as_observed(tiny_cfg):
    """The probe shows true labels: a label_provenance model must see them as observed (its output then
    differs from the same step with the channel off), not fail for want of the channel."""
    from dataclasses import replace
    from seqgsn.model.gsn import SeqGSN
    torch.manual_seed(0)
    model = SeqGSN(replace(tiny_cfg.model, label_provenance=True)).eval()
    with torch.no_grad():
        model.transition.w_obs.weight.mul_(20)
    tokens = torch.randint(0, 20, (12,))
    y = torch.nn.functional.one_hot(torch.randint(0, 8, (12,)), 8).T.float().unsqueeze(0)   # [1, 8, L]
    y[..., 4] = 0                                                                        # residue 5 hidden
    seen = probe.one_step_probs(model, tokens, y)
    ctx = [t for t in model.context(tokens.unsqueeze(0), torch.ones(1, 12, dtype=torch.bool))]
    with torch.no_grad():
        as_draws, _ = model.transition(y, [None] * len(model.cfg.hidden), *ctx, False,
                                       probe.Noise(torch.Generator()), observed=torch.zeros(1, 1, 12))
    assert (seen - as_draws.softmax(1).transpose(1, 2)).abs().max() > 1e-3


def test_grammar_line_without_a_usable_chain_says_so(tmp_path, tiny_model_file, capsys):
    """Chains above 2,000 residues are left out of the grammar part: with none left it says so, not a crash."""
    data = tmp_path / "long.txt"
    data.write_text(">long\n" + "MKVLA" * 401 + "\n" + "CHHHC" * 401 + "\n")
    probe.main(["--data", str(data), "--model", str(tiny_model_file), "--hidden", "1", "--repeats", "1"])
    out = capsys.readouterr().out.splitlines()
    assert "hidden 1.00: Q8" in out[1] and "grammar: no fully labelled chain" in out[2]
