import torch

from seqgsn.model.noise import corrupt_labels, gaussian, sample_onehot


def test_gumbel_sampler_matches_the_categorical():
    g = torch.Generator().manual_seed(0)
    p = torch.tensor([0.5, 0.3, 0.15, 0.05])
    logits = p.log().view(1, 4, 1).expand(1, 4, 40000).contiguous()
    s = sample_onehot(logits, g)
    assert torch.all(s.sum(1) == 1)                         # one-hot
    assert torch.allclose(s.mean(-1)[0], p, atol=0.01)      # frequencies follow p


def test_label_corruption_rates_and_modes():
    g = torch.Generator().manual_seed(1)
    y = torch.nn.functional.one_hot(torch.randint(0, 8, (4, 5000), generator=g), 8).transpose(1, 2).float()
    masked = corrupt_labels(y, "mask", 0.3, g)
    frac_zero = (masked.sum(1) == 0).float().mean()
    assert abs(frac_zero - 0.3) < 0.02
    sp = corrupt_labels(y, "salt_pepper", 0.3, g)
    assert torch.all(sp.sum(1) == 1)
    changed = (sp.argmax(1) != y.argmax(1)).float().mean()
    assert abs(changed - 0.3 * 7 / 8) < 0.02               # a random class is sometimes the same one
    assert torch.equal(corrupt_labels(y, "none", 0.3, g), y)


def test_gaussian_noise_std():
    g = torch.Generator().manual_seed(2)
    x = torch.zeros(100000)
    assert abs(gaussian(x, 0.1, g).std() - 0.1) < 0.005
    assert torch.equal(gaussian(x, 0.0, g), x)
