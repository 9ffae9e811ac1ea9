"""Linear-chain CRF: exact against brute-force enumeration on small chains."""
import itertools
import math
from collections import Counter

import numpy as np
import pytest
import torch

from seqgsn.model import crf
from seqgsn.model.noise import Noise

K = 3
GROUPS = [0, 0, 1]          # a 2-group "3-state" map for K = 3 classes


def _setup(seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(2, 4, K, generator=g)
    trans = torch.randn(K, K, generator=g)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.bool)   # chain 2 is padded
    return u, trans, mask


def _joint(u, trans, b, n):
    """{labelling: probability} by enumeration for chain b of length n."""
    scores = {}
    for ys in itertools.product(range(K), repeat=n):
        s = sum(float(u[b, i, ys[i]]) for i in range(n))
        s += sum(float(trans[ys[i - 1], ys[i]]) for i in range(1, n))
        scores[ys] = s
    lz = math.log(sum(math.exp(v) for v in scores.values()))
    return {k: math.exp(v - lz) for k, v in scores.items()}, lz


def test_log_partition_and_marginals_match_enumeration():
    u, trans, mask = _setup()
    lz = crf.log_partition(u, trans, mask)
    marg = crf.marginals(u, trans, mask)
    for b in range(2):
        n = int(mask[b].sum())
        joint, ref = _joint(u, trans, b, n)
        assert lz[b].item() == pytest.approx(ref, abs=1e-5)
        m = np.zeros((n, K))
        for ys, p in joint.items():
            m[np.arange(n), ys] += p
        np.testing.assert_allclose(marg[b, :n].numpy(), m, atol=1e-5)


def test_nll_of_full_and_partial_labels_matches_enumeration():
    u, trans, mask = _setup(1)
    y8 = torch.tensor([[0, 2, -1, 1], [1, -1, 0, -1]])
    y3 = torch.tensor([[-1, -1, 0, -1], [-1, -1, -1, -1]])      # position 2 of chain 1: group 0
    loss, n = crf.nll(u, trans, mask, y8, y3, GROUPS)
    ref = 0.0
    for b in range(2):
        L = int(mask[b].sum())
        joint, _ = _joint(u, trans, b, L)

        def ok(ys):
            for i in range(L):
                if y8[b, i] >= 0 and ys[i] != y8[b, i]:
                    return False
                if y8[b, i] < 0 and y3[b, i] >= 0 and GROUPS[ys[i]] != y3[b, i]:
                    return False
            return True
        ref -= math.log(sum(p for ys, p in joint.items() if ok(ys)))
    assert loss.item() == pytest.approx(ref, abs=1e-4)
    assert n == 3 + 1 + 2            # labelled real residues (padding excluded)


def test_samples_follow_the_joint_distribution():
    u, trans, mask = _setup(2)
    N = 20000
    gen = torch.Generator().manual_seed(3)
    for b in range(2):
        n = int(mask[b].sum())
        joint, _ = _joint(u, trans, b, n)
        s = crf.sample(u[b:b + 1].expand(N, -1, -1), trans, mask[b:b + 1].expand(N, -1), Noise.shared(gen))
        freq = Counter(tuple(r[:n].tolist()) for r in s)
        err = max(abs(freq[ys] / N - p) for ys, p in joint.items())
        assert err < 0.012        # ~4 standard errors of the largest cell at N = 20000


def test_sampling_is_reproducible_and_zero_pairwise_is_independent():
    u, _trans, mask = _setup(4)
    a = crf.sample(u, torch.zeros(K, K), mask, Noise.shared(torch.Generator().manual_seed(0)))
    b = crf.sample(u, torch.zeros(K, K), mask, Noise.shared(torch.Generator().manual_seed(0)))
    assert torch.equal(a, b)
    # T = 0: marginals are the per-residue softmax
    m = crf.marginals(u, torch.zeros(K, K), mask)
    torch.testing.assert_close(m[0], torch.softmax(u[0], -1), atol=1e-6, rtol=0)


def test_gradient_reaches_pairwise_and_unaries():
    u, trans, mask = _setup(5)
    u.requires_grad_(True)
    trans.requires_grad_(True)
    loss, _ = crf.nll(u, trans, mask, torch.zeros(2, 4, dtype=torch.long), None, None)
    loss.backward()
    assert torch.isfinite(u.grad).all() and u.grad.abs().sum() > 0
    assert torch.isfinite(trans.grad).all() and trans.grad.abs().sum() > 0
    assert u.grad[1, 3].abs().sum() == 0          # padding gets no gradient


# ----------------------------------------------------------------------------- durations

DUR = (3, 1, 2)


def _dur_setup(seed=6):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(2, 5, K, generator=g)
    trans = torch.randn(K, K, generator=g)
    early = torch.randn(K, max(DUR), generator=g) - 1.0
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.bool)
    return u, trans, early, mask


def _dur_joint(u, trans, early, b, n):
    """Label-sequence probabilities: a change k -> j after a run of r < D_k residues adds E[k, r-1]."""
    scores = {}
    for ys in itertools.product(range(K), repeat=n):
        s, run = float(u[b, 0, ys[0]]), 1
        for i in range(1, n):
            s += float(u[b, i, ys[i]]) + float(trans[ys[i - 1], ys[i]])
            if ys[i] == ys[i - 1]:
                run += 1
            else:
                if run < DUR[ys[i - 1]]:
                    s += float(early[ys[i - 1], run - 1])
                run = 1
        scores[ys] = s
    lz = math.log(sum(math.exp(v) for v in scores.values()))
    return {k: math.exp(v - lz) for k, v in scores.items()}, lz


def test_duration_crf_matches_enumeration():
    u, trans, early, mask = _dur_setup()
    space = crf.StateSpace(DUR)
    ts = space.transitions(trans, early)
    lz = crf.log_partition(u, ts, mask, space=space)
    marg = crf.marginals(u, ts, mask, space=space)
    gen = torch.Generator().manual_seed(0)
    N = 20000
    for b in range(2):
        n = int(mask[b].sum())
        joint, ref = _dur_joint(u, trans, early, b, n)
        assert lz[b].item() == pytest.approx(ref, abs=1e-4)
        m = np.zeros((n, K))
        for ys, p in joint.items():
            m[np.arange(n), ys] += p
        np.testing.assert_allclose(marg[b, :n].numpy(), m, atol=1e-5)
        s = crf.sample(u[b:b + 1].expand(N, -1, -1), ts, mask[b:b + 1].expand(N, -1), Noise.shared(gen), space=space)
        freq = Counter(tuple(r[:n].tolist()) for r in s)
        assert max(abs(freq[ys] / N - p) for ys, p in joint.items()) < 0.012


def test_unit_durations_are_the_plain_crf_and_gradients_reach_early_exits():
    u, trans, early, mask = _dur_setup(7)
    plain = crf.StateSpace((1,) * K)
    torch.testing.assert_close(plain.transitions(trans), trans)
    space = crf.StateSpace(DUR)
    early.requires_grad_(True)
    loss, _ = crf.nll(u, space.transitions(trans, early), mask, torch.tensor([[0, 0, 1, 2, 2], [2, 0, 0, 0, -1]]),
                      space=space)
    loss.backward()
    assert torch.isfinite(early.grad).all() and early.grad[0, :2].abs().sum() > 0


def test_marginal_matching_reproduces_target_marginals():
    u, trans, early, mask = _dur_setup(8)
    space = crf.StateSpace(DUR)
    ts = space.transitions(trans, early)
    logp = torch.log_softmax(torch.randn(2, 5, K, generator=torch.Generator().manual_seed(1)), -1)
    q0 = crf.marginals(logp, ts, mask, space=space)
    u2 = crf.match_marginals(logp, ts, mask, iters=60, step=0.3, space=space)
    q = crf.marginals(u2, ts, mask, space=space)
    err0 = (q0 - logp.exp()).abs()[mask].max()
    err = (q - logp.exp()).abs()[mask].max()
    assert err < 0.02 and err < err0 / 5
