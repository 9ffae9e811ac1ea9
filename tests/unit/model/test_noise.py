import torch

from seqgsn.model.masking import PredictionSchedule, training_mask
from seqgsn.model.noise import Noise, gaussian, record_seed, sample_onehot


def test_gumbel_sampler_matches_the_categorical():
    noise = Noise.shared(torch.Generator().manual_seed(0))
    p = torch.tensor([0.5, 0.3, 0.15, 0.05])
    logits = p.log().view(1, 4, 1).expand(1, 4, 40000).contiguous()
    s = sample_onehot(logits, noise)
    assert torch.all(s.sum(1) == 1)                         # one-hot
    assert torch.allclose(s.mean(-1)[0], p, atol=0.01)      # frequencies follow p


def test_gaussian_noise_std():
    noise = Noise.shared(torch.Generator().manual_seed(2))
    x = torch.zeros(100000)
    assert abs(gaussian(x, 0.1, noise).std() - 0.1) < 0.005
    assert torch.equal(gaussian(x, 0.0, noise), x)


def test_per_record_draws_ignore_batch_mates_and_padding():
    alone = Noise.per_record([11], [5]).randn((1, 3, 5))
    batched = Noise.per_record([7, 11], [9, 5]).randn((2, 3, 9))
    assert torch.equal(batched[1, :, :5], alone[0])
    assert torch.all(batched[1, :, 5:] == 0)                # padding draws nothing
    assert not torch.equal(batched[0, :, :5], alone[0])


def test_record_seed_depends_on_seed_and_sequence_only():
    a = record_seed(0, b"\x01\x02\x03")
    assert a == record_seed(0, b"\x01\x02\x03")
    assert a != record_seed(1, b"\x01\x02\x03") and a != record_seed(0, b"\x01\x02\x04")


def test_training_mask_rates():
    noise = Noise.shared(torch.Generator().manual_seed(1))
    free = torch.ones(2000, 50, dtype=torch.bool)
    m = training_mask(free, first=False, mask_all_p=0.0, noise=noise).float().mean(1)
    assert abs(m.mean() - 0.5) < 0.03 and m.min() < 0.1 and m.max() > 0.9      # r ~ U(0, 1) per chain
    allm = training_mask(free, first=True, mask_all_p=1.0, noise=noise)
    assert allm.all()
    part = training_mask(free, first=True, mask_all_p=0.3, noise=noise).all(1).float().mean()
    assert 0.25 < part < 0.36
    low = training_mask(free, first=False, mask_all_p=0.0, noise=noise, rate_power=3.0).float().mean(1)
    assert abs(low.mean() - 0.25) < 0.03 and low.max() > 0.8                  # r = u ** 3: mean 1 / 4


def test_prediction_schedule_reveals_then_sweeps():
    noise = Noise.shared(torch.Generator().manual_seed(3))
    free = torch.ones(1, 300, dtype=torch.bool)
    free[0, :10] = False                                    # clamped: never hidden, never decided
    sched = PredictionSchedule(free, reveal=3, groups=2, noise=noise)
    steps = [sched.step(t) for t in range(3 + 2 * 2)]
    hidden0, decided0 = steps[0]
    assert torch.equal(hidden0, free)                       # the all-masked start
    reveal = torch.stack([d for _, d in steps[:3]]).int()
    assert torch.equal(reveal.sum(0), free.int())           # the reveal sweep decides each once
    for t in range(1, 3):                                   # ... seeing everything decided before
        hidden, _ = steps[t]
        earlier = torch.stack([d for _, d in steps[:t]]).any(0)
        assert torch.equal(hidden, free & ~earlier)
    for s0 in (3, 5):                                       # Gibbs sweeps: one group at a time
        sweep = torch.stack([d for _, d in steps[s0:s0 + 2]]).int()
        assert torch.equal(sweep.sum(0), free.int())
        assert all(torch.equal(h, d) for h, d in steps[s0:s0 + 2])
    assert not any(h[~free].any() for h, _ in steps)


def _runs(row: torch.Tensor) -> list:
    """Lengths of the runs of True in a [L] bool row."""
    out, n = [], 0
    for v in row.tolist() + [False]:
        if v:
            n += 1
        elif n:
            out.append(n)
            n = 0
    return out


def test_span_masking_hides_whole_segments_at_the_chain_rate():
    free = torch.ones(3000, 120, dtype=torch.bool)
    scattered = training_mask(free, False, 0.0, Noise.shared(torch.Generator().manual_seed(4)))
    spans = training_mask(free, False, 0.0, Noise.shared(torch.Generator().manual_seed(4)), span_p=1.0,
                          span_length=10.0)
    assert abs(spans.float().mean() - 0.5) < 0.03                     # coverage still follows r ~ U(0, 1)
    mean_run = lambda m: sum(sum(_runs(r)) for r in m[:300]) / sum(len(_runs(r)) for r in m[:300])
    assert mean_run(spans) > 4 * mean_run(scattered)                   # hidden residues come in segments
    # span_p 0 draws exactly what it drew before the option existed (old configs train as they did)
    again = training_mask(free, False, 0.0, Noise.shared(torch.Generator().manual_seed(4)), span_p=0.0)
    assert torch.equal(again, scattered)


def test_span_masking_applies_to_the_chosen_fraction_of_chains():
    free = torch.ones(2000, 200, dtype=torch.bool)
    m = training_mask(free, False, 0.0, Noise.shared(torch.Generator().manual_seed(5)), span_p=0.5,
                      span_length=10.0)
    # a chain hiding scattered residues at rate r has runs of mean 1 / (1 - r); segment chains far longer
    long_runs = torch.tensor([max(_runs(r) or [0]) >= 12 for r in m])
    rates = m.float().mean(1)
    mid = (rates > 0.2) & (rates < 0.5)                                # scattered runs stay short there
    assert 0.35 < long_runs[mid].float().mean() < 0.65
