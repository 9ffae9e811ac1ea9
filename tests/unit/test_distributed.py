"""seqgsn.distributed: the single-process arithmetic of the data-parallel split, and leaving a job
(barrier before tearing down after a finished run, none after a failure). A one-process gloo group stands
in for torchrun; the multi-process runs are tests/integration/test_distributed.py."""
import contextlib
import socket

import pytest
import torch
import torch.distributed as tdist

from seqgsn import distributed
from seqgsn.distributed import Dist


def test_step_and_shard_arithmetic_covers_every_batch_once():
    n_batches = 7
    seen = []
    for rank in range(3):
        d = Dist(rank=rank, world=3)
        for step in range(d.steps(n_batches)):
            k = d.batch_index(step)
            if k < n_batches:
                seen.append(k)
            assert d.batches_in_step(step, n_batches) == min(3, n_batches - 3 * step)
    assert sorted(seen) == list(range(n_batches))
    assert Dist(rank=1, world=3).shard(list("abcdefg")) == ["b", "e"]


def test_not_launched_is_a_single_inactive_process(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    d, device = distributed.setup("cpu")
    assert (d.rank, d.world, d.active, device) == (0, 1, False, "cpu")
    assert d.sum_ints([2, 3]) == [2, 3] and d.any(True)
    d.close()                       # nothing to leave: no error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def one_process_group():
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    yield Dist(active=True)
    if tdist.is_initialized():
        tdist.destroy_process_group()


@pytest.mark.parametrize("finished", [True, False])
def test_close_meets_the_other_ranks_only_after_a_finished_run(one_process_group, monkeypatch, finished):
    calls = []
    real_barrier = tdist.barrier
    monkeypatch.setattr(tdist, "barrier", lambda *a, **k: (calls.append("barrier"), real_barrier(*a, **k)))
    d = one_process_group
    assert d.sum_ints([4]) == [4]               # the group works
    d.close(finished)
    assert calls == (["barrier"] if finished else [])
    assert not tdist.is_initialized() and not d.active
    d.close(finished)                           # a second close is a no-op
    assert calls == (["barrier"] if finished else [])


def test_sync_grads_in_one_process_divides_by_the_batches(one_process_group):
    p = torch.nn.Parameter(torch.ones(3))
    q = torch.nn.Parameter(torch.ones(2))        # no gradient: keeps none
    p.grad = torch.full((3,), 4.0)
    one_process_group.sync_grads([p, q], n_batches_in_step=2)
    assert torch.equal(p.grad, torch.full((3,), 2.0)) and q.grad is None


@pytest.mark.parametrize("failure", [False, True])
def test_with_block_leaves_the_job_finished_unless_an_exception_passes(one_process_group, monkeypatch, failure):
    seen = []
    monkeypatch.setattr(Dist, "close", lambda self, finished=True: seen.append(finished))
    with pytest.raises(RuntimeError) if failure else contextlib.nullcontext():
        with one_process_group:
            if failure:
                raise RuntimeError("a rank failed")
    assert seen == [not failure]
