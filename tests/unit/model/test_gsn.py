import torch

from seqgsn.model.gsn import ChainSettings, SeqGSN
from seqgsn.model.noise import Noise
from seqgsn.model.losses import label_nll, log_prob3
from seqgsn.model.transition import TiedConv


def _batch(B=3, L=17, seed=0):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, 20, (B, L), generator=g)
    mask = torch.ones(B, L, dtype=torch.bool)
    mask[1, 10:] = False
    y8 = torch.randint(0, 8, (B, L), generator=g).masked_fill(~mask, -1)
    return tokens, mask, y8


def run(m, tokens, mask, steps, seed=None, **kw):
    """run_chain with one shared generator (``seed``; None = unseeded) and ChainSettings from kw."""
    call = {k: kw.pop(k) for k in ("clamp", "truth", "profile", "start") if k in kw}
    gen = torch.Generator().manual_seed(seed) if seed is not None else torch.Generator().manual_seed(0)
    return m.run_chain(tokens, mask, ChainSettings(steps, **kw), Noise.shared(gen), **call)


def test_tied_conv_down_is_adjoint_of_up():
    tc = TiedConv(5, 7, 3)
    x, h = torch.randn(2, 5, 11), torch.randn(2, 7, 11)
    # <up(x), h> == <x, down(h)> defines the transposed (tied) convolution
    assert torch.allclose((tc.up(x) * h).sum(), (x * tc.down(h)).sum(), atol=1e-4)


def test_chain_shapes_and_padding_do_not_leak(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, _ = _batch()
    out = run(m, tokens, mask, 4, seed=1)
    assert len(out.step_logits) == 4 and out.step_logits[0].shape == (3, 17, 8)
    # changing residues in the padding must not change predictions of real residues
    t2 = tokens.clone()
    t2[1, 10:] = 5
    out2 = run(m, t2, mask, 4, seed=1)
    assert torch.allclose(out.step_logits[-1][1, :10], out2.step_logits[-1][1, :10], atol=1e-5)


def test_same_seed_same_output_different_seed_differs(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, _ = _batch()
    a = run(m, tokens, mask, 3, seed=5).step_logits[-1]
    b = run(m, tokens, mask, 3, seed=5).step_logits[-1]
    c = run(m, tokens, mask, 3, seed=6).step_logits[-1]
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_walkback_gradients_reach_every_parameter_without_nan(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).train()
    tokens, mask, y8 = _batch()
    known = torch.zeros_like(mask)
    known[:, ::4] = True
    out = run(m, tokens, mask, 3, seed=1, with_x=True,
                clamp=(known & mask, y8))
    loss = sum(label_nll(lg, y8, torch.full_like(y8, -1), mask.float())[0] for lg in out.step_logits)
    loss = loss + sum(xl.logsumexp(-1).sum() for xl in out.x_logits)
    loss.backward()
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_clamped_positions_stay_fixed_in_the_chain(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch()
    known = torch.zeros_like(mask)
    known[:, ::3] = True
    known &= mask
    out = run(m, tokens, mask, 4, clamp=(known, y8), seed=2)
    for s in out.samples:
        assert torch.equal(s[known], y8[known])


def test_three_state_marginal_loss_matches_group_sum():
    logits = torch.randn(1, 4, 8)
    lp3 = log_prob3(torch.log_softmax(logits, -1))
    p = torch.softmax(logits, -1)
    assert torch.allclose(lp3.exp()[..., 0], p[..., :3].sum(-1), atol=1e-6)   # H = H+G+I
    assert torch.allclose(lp3.exp()[..., 1], p[..., 3:5].sum(-1), atol=1e-6)  # E = E+B
    y3 = torch.tensor([[0, 1, 2, -1]])
    s, n = label_nll(logits, torch.full_like(y3, -1), y3, torch.ones(1, 4))
    assert n == 3
    assert torch.allclose(s, -(lp3[0, 0, 0] + lp3[0, 1, 1] + lp3[0, 2, 2]))


def test_deterministic_ablation_is_noise_free(tiny_cfg):
    from dataclasses import replace
    cfg = replace(tiny_cfg.model, noise_pre=0.0, noise_post=0.0)
    torch.manual_seed(0)
    m = SeqGSN(cfg).eval()
    tokens, mask, _ = _batch()
    a = run(m, tokens, mask, 1, noisy=False, seed=1).step_logits[0]
    b = run(m, tokens, mask, 1, noisy=False, seed=2).step_logits[0]
    assert torch.equal(a, b)


def test_prediction_does_not_depend_on_batch_padding(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens = torch.randint(0, 20, (1, 12), generator=torch.Generator().manual_seed(3))
    alone = run(m, tokens, torch.ones(1, 12, dtype=torch.bool), 1, noisy=False).step_logits[0]
    padded = torch.cat([tokens, torch.zeros(1, 9, dtype=torch.long)], 1)
    pmask = torch.zeros(1, 21, dtype=torch.bool)
    pmask[0, :12] = True
    inbatch = run(m, padded, pmask, 1, noisy=False).step_logits[0][:, :12]
    assert torch.allclose(alone, inbatch, atol=1e-5)


def test_bf16_chain_state_stays_bf16_and_close_to_fp32(tiny_cfg):
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch()
    with torch.no_grad():
        ref = run(m, tokens, mask, 3, noisy=False).step_logits
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = run(m, tokens, mask, 3, noisy=True, seed=1,
                              state_dtype=torch.bfloat16)
            lo = run(m, tokens, mask, 3, noisy=False, state_dtype=torch.bfloat16).step_logits
    assert all(lg.dtype == torch.bfloat16 and torch.isfinite(lg.float()).all() for lg in out.step_logits)
    for a, b in zip(ref, lo):
        p, q = torch.softmax(a, -1), torch.softmax(b.float(), -1)
        assert (p - q)[mask].abs().max() < 0.05


def _pairwise_model(tiny_cfg):
    from dataclasses import replace
    torch.manual_seed(0)
    m = SeqGSN(replace(tiny_cfg.model, label_pairwise=True)).eval()
    with torch.no_grad():
        m.pairwise.copy_(4.0 * torch.eye(8) - 2.0)      # strongly prefers staying in a class
    return m


def _runs(s, mask):
    """Mean number of label changes per real residue."""
    change = (s[:, 1:] != s[:, :-1]) & mask[:, 1:]
    return change.sum().item() / mask.sum().item()


def test_crf_sampler_draws_coherent_segments_and_respects_clamps(tiny_cfg):
    m = _pairwise_model(tiny_cfg)
    tokens, mask, y8 = _batch(B=3, L=40)
    known = torch.zeros_like(mask)
    known[:, ::5] = True
    known &= mask
    crf_out = run(m, tokens, mask, 3, clamp=(known, y8), seed=2,
                          sampler="crf")
    ind_out = run(m, tokens, mask, 3, clamp=(known, y8), seed=2)
    for s in crf_out.samples:
        assert s.shape == (3, 40) and torch.equal(s[known], y8[known])
    # the pairwise potentials favour runs: fewer label changes than independent draws
    assert _runs(crf_out.samples[-1], mask) < _runs(ind_out.samples[-1], mask)


def test_crf_sampler_needs_pairwise_potentials(tiny_cfg):
    import pytest
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, _ = _batch()
    with pytest.raises(ValueError, match="label_pairwise"):
        run(m, tokens, mask, 2, sampler="crf")
    assert m.structured_params() == []


def test_crf_draws_are_conditioned_on_clamped_labels(tiny_cfg):
    m = _pairwise_model(tiny_cfg)
    tokens, mask, _ = _batch(B=3, L=30)
    mask[:] = True
    known = torch.zeros_like(mask)
    known[:, 15] = True
    lab = torch.full_like(tokens, 3)                  # E at position 15
    near = {True: 0, False: 0}
    for seed in range(20):
        for clamped in (True, False):
            out = run(m, tokens, mask, 2, clamp=(known, lab) if clamped else None,
                              seed=seed, sampler="crf")
            near[clamped] += int((out.samples[-1][:, [14, 16]] == 3).sum())
    # with T favouring runs, the neighbours of a clamped E are E far more often than without it
    assert near[True] > 2 * near[False] + 5


def test_x_term_is_float32_under_bf16_autocast():
    from seqgsn.model.losses import x_nll
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 300, 21, generator=g).to(torch.bfloat16)
    tokens = torch.randint(0, 20, (2, 300), generator=g)
    where = torch.ones(2, 300, dtype=torch.bool)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        s, n = x_nll(logits, tokens, where)
    ref = -torch.log_softmax(logits.float(), -1).gather(-1, tokens.unsqueeze(-1)).sum()
    assert s.dtype == torch.float32 and float(n) == 600
    assert abs(float(s) - float(ref)) < 1e-3 * float(ref)


def test_final_state_false_gives_the_same_logits_with_less_work(tiny_cfg):
    """Prediction skips the last step's upper-layer update and label draw; the logits must not move."""
    import dataclasses
    torch.manual_seed(0)
    m = SeqGSN(dataclasses.replace(tiny_cfg.model, hidden=(8, 8, 8))).eval()
    tokens, mask, y8 = _batch()
    clamp = (torch.rand(3, 17, generator=torch.Generator().manual_seed(2)) < 0.3) & mask, y8
    for kw in ({}, {"clamp": clamp}):
        full = run(m, tokens, mask, 4, seed=3, **kw)
        lean = run(m, tokens, mask, 4, seed=3, final_state=False, **kw)
        assert len(lean.step_logits) == 4 and len(lean.samples) == 3
        for a, b in zip(full.step_logits, lean.step_logits):
            assert torch.equal(a, b)


def _copy_model(tiny_cfg, gain=6.0):
    """A model whose reconstruction copies the shown label and knows nothing from x: any persistence
    of labels across steps can only come from the label state the chain carries."""
    from dataclasses import replace
    torch.manual_seed(0)
    m = SeqGSN(replace(tiny_cfg.model, hidden=(8,), noise_pre=0.0, noise_post=0.0)).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        centre = m.transition.w_y.weight.shape[-1] // 2
        for c in range(8):
            m.transition.w_y.weight[c, c, centre] = gain
    return m


def test_the_label_state_is_carried_from_step_to_step(tiny_cfg):
    """Shown residues are copied, so successive states agree far more than independent draws (1/8)."""
    m = _copy_model(tiny_cfg)
    tokens, mask, _ = _batch(B=4, L=200)
    mask[:] = True
    out = run(m, tokens, mask, 6, seed=1, groups=4)
    agree = [float((a == b).float().mean()) for a, b in zip(out.samples[1:], out.samples[2:])]
    # groups=4: 3/4 of residues are shown (and copied) at each step after the first
    assert min(agree) > 0.6


def test_clamped_labels_reach_their_free_neighbours_through_the_state(tiny_cfg):
    """With a kernel-3 label convolution the neighbours of a clamped residue see it at every step."""
    m = _copy_model(tiny_cfg)
    with torch.no_grad():   # spread the shown label to +-1 positions as well
        m.transition.w_y.weight[:, :, :] = m.transition.w_y.weight[:, :, 1:2]
    tokens, mask, _ = _batch(B=2, L=30)
    mask[:] = True
    known = torch.zeros_like(mask)
    known[:, 15] = True
    lab = torch.full_like(tokens, 3)                                   # E
    free = run(m, tokens, mask, 1, seed=2)
    clamped = run(m, tokens, mask, 1, seed=2, clamp=(known, lab))
    p_free = torch.softmax(free.step_logits[0][:, [14, 16]], -1)[..., 3]
    p_clamp = torch.softmax(clamped.step_logits[0][:, [14, 16]], -1)[..., 3]
    assert (p_clamp > p_free + 0.3).all()


def test_prediction_masks_partition_the_free_residues_once_per_sweep(tiny_cfg):
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch(B=2, L=40)
    known = torch.zeros_like(mask)
    known[:, ::7] = True
    known &= mask
    out = run(m, tokens, mask, 1 + 2 * 3, seed=4, reveal=1, groups=3, clamp=(known, y8))
    free = mask & ~known
    assert torch.equal(out.step_masked[0], free)                       # the all-masked start
    for sweep in range(2):
        ms = torch.stack(out.step_masked[1 + 3 * sweep: 4 + 3 * sweep]).int()
        assert torch.equal(ms.sum(0), free.int())                      # each free residue exactly once
    assert not any(mk[known].any() for mk in out.step_masked)          # clamped: never masked


def test_walkback_starts_from_the_truth_and_mask_all_p_one_hides_it(tiny_cfg):
    m = _copy_model(tiny_cfg)
    tokens, mask, y8 = _batch(B=3, L=60)
    shown = run(m, tokens, mask, 1, seed=5, mode="train", truth=y8, mask_all_p=0.0)
    hidden = run(m, tokens, mask, 1, seed=5, mode="train", truth=y8, mask_all_p=1.0)
    vis = ~shown.step_masked[0] & (y8 >= 0)
    assert vis.any()
    # the copy model reproduces shown true labels, and cannot when everything is masked
    assert torch.equal(shown.step_logits[0].argmax(-1)[vis], y8[vis])
    assert torch.equal(hidden.step_masked[0], mask)


def test_each_step_reads_its_neighbours_labels_from_the_carried_state(tiny_cfg):
    """A model that only copies shown labels from two residues away (taps at +-1, used up and then
    transposed down): a residue redrawn at step t >= 1 takes a label that residue i-2 or i+2 held after
    step t-1. A chain restarted from the neutral state at every step would show it nothing (uniform
    draws: about 2/8 agreement)."""
    m = _copy_model(tiny_cfg)
    with torch.no_grad():   # the +-1 neighbours' labels, not the residue's own
        w = m.transition.w_y.weight
        w[:, :, :] = 0.0
        for c in range(8):
            w[c, c, 0] = w[c, c, 2] = 6.0
    tokens, mask, _ = _batch(B=3, L=80)
    mask[:] = True
    out = run(m, tokens, mask, 5, seed=6, groups=2)
    for t in range(1, 4):
        prev, cur, dec = out.samples[t - 1], out.samples[t], out.step_masked[t].clone()
        dec[:, :2] = dec[:, -2:] = False
        same = (cur == prev.roll(2, 1)) | (cur == prev.roll(-2, 1))
        assert same[dec].float().mean() > 0.6


def test_x_walkback_feeds_the_x_reconstruction_back_into_the_chain(tiny_cfg):
    # Zoehrer & Pernkopf's hybrid: x is part of the walked state. The x head then shapes later
    # steps' label logits (its draws become the next x state); with x masked once it cannot.
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch()
    kw = dict(mode="train", truth=y8, with_x=True)
    walked = run(m, tokens, mask, 3, seed=2, x_walk=0.5, **kw)
    once = run(m, tokens, mask, 3, seed=2, **kw)
    assert len(walked.x_hidden) == 3 and not once.x_hidden
    assert all(h[~mask].sum() == 0 for h in walked.x_hidden) and walked.x_hidden[0].any()
    with torch.no_grad():
        m.x_out.bias.add_(torch.linspace(-8, 8, m.x_out.bias.numel()))   # a different x reconstruction
    walked2 = run(m, tokens, mask, 3, seed=2, x_walk=0.5, **kw)
    once2 = run(m, tokens, mask, 3, seed=2, **kw)
    assert torch.equal(walked.step_logits[0], walked2.step_logits[0])      # nothing fed back yet
    assert not torch.allclose(walked.step_logits[2], walked2.step_logits[2])
    assert torch.equal(once.step_logits[2], once2.step_logits[2])


def test_x_walk_without_the_x_reconstruction_is_an_error(tiny_cfg):
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch()
    with __import__("pytest").raises(ValueError, match="x_walk"):
        run(m, tokens, mask, 2, seed=0, mode="train", truth=y8, x_walk=0.2)


def test_label_encoder_is_padding_safe_and_trained(tiny_cfg):
    from dataclasses import replace
    torch.manual_seed(0)
    m = SeqGSN(replace(tiny_cfg.model, label_layers=2)).train()
    assert len(m.transition.label_enc) == 2
    tokens, mask, y8 = _batch()
    out = run(m, tokens, mask, 2, seed=1, mode="train", truth=y8)
    loss = sum(label_nll(lg, y8, torch.full_like(y8, -1), mask.float())[0] for lg in out.step_logits)
    loss.backward()
    assert all(c.weight.grad.abs().sum() > 0 for c in m.transition.label_enc)
    m.eval()
    # record 1 (length 10) alone vs inside the padded batch: same label logits (noise-free first
    # step, every free residue hidden, the clamps shown through the encoder)
    known = torch.zeros_like(mask)
    known[:, ::3] = True
    full = run(m, tokens, mask, 1, seed=1, noisy=False, clamp=(known & mask, y8))
    alone = run(m, tokens[1:2, :10], mask[1:2, :10], 1, seed=1, noisy=False, clamp=(known[1:2, :10], y8[1:2, :10]))
    assert torch.allclose(full.step_logits[-1][1, :10], alone.step_logits[-1][0], atol=1e-5)


def test_relabel_swaps_shown_labels_that_the_step_then_decides(tiny_cfg):
    # Substitution corruption: from step 1 on, some shown free labels are swapped for the model's
    # guesses and counted as decided (scored, redrawn); clamped and padded residues never are.
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    g = torch.Generator().manual_seed(3)
    B, L = 64, 60
    tokens = torch.randint(0, 20, (B, L), generator=g)
    mask = torch.ones(B, L, dtype=torch.bool)
    mask[:, 50:] = False
    y8 = torch.randint(0, 8, (B, L), generator=g).masked_fill(~mask, -1)
    known = (torch.rand(B, L, generator=g) < 0.2) & mask
    kw = dict(mode="train", truth=y8, mask_all_p=0.0, clamp=(known, y8))
    plain = run(m, tokens, mask, 4, seed=5, **kw)
    swapped = run(m, tokens, mask, 4, seed=5, relabel=0.9, **kw)
    assert torch.equal(plain.step_masked[0], swapped.step_masked[0])       # step 0: masking only
    free = (mask & ~known).sum().item()
    frac = lambda out: sum(d.sum().item() for d in out.step_masked[1:]) / (3 * free)   # noqa: E731
    assert frac(plain) < 0.58 and frac(swapped) > frac(plain) + 0.12       # E[r + (1 - r) s] = 0.725
    for d in swapped.step_masked:
        assert not (d & known).any() and not (d & ~mask).any()
    with __import__("pytest").raises(ValueError, match="relabel"):
        run(m, tokens, mask, 2, seed=0, relabel=0.3)                       # prediction never swaps


def test_a_prediction_chain_can_start_from_a_given_state(tiny_cfg):
    # reveal=0: no reveal sweep; the first step already shows the start state's labels outside its
    # group, so two different start states give different first-step logits.
    torch.manual_seed(0)
    m = SeqGSN(tiny_cfg.model).eval()
    tokens, mask, y8 = _batch()
    a = run(m, tokens, mask, 2, seed=4, reveal=0, groups=2, noisy=False, start=y8.clamp_min(0))
    b = run(m, tokens, mask, 2, seed=4, reveal=0, groups=2, noisy=False, start=(y8.clamp_min(0) + 3) % 8)
    assert not torch.allclose(a.step_logits[0], b.step_logits[0])
    hidden0 = a.step_masked[0]
    assert hidden0.any() and not hidden0[mask].all()                     # one group, not everything
    import pytest
    with pytest.raises(ValueError, match="start"):
        run(m, tokens, mask, 2, seed=4, reveal=0, groups=2)                # reveal=0 needs a start
    with pytest.raises(ValueError, match="start"):
        run(m, tokens, mask, 2, seed=4, reveal=1, groups=2, start=y8.clamp_min(0))
