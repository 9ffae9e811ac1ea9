"""Data-parallel training and prediction across processes (torch.distributed, launched by ``torchrun``).

    torchrun --standalone --nproc_per_node N -m seqgsn train --config C --run-dir D
    srun torchrun --nnodes $SLURM_NNODES --nproc_per_node G --rdzv_backend c10d \\
         --rdzv_endpoint $HEAD:29500 --rdzv_id $SLURM_JOB_ID -m seqgsn train ...

Training (the :class:`Dist` hook of ``seqgsn.training.trainer``): each epoch's batch list is the one a
single process would make (same seed, same order); optimiser step k of the epoch runs batch
``k * world + rank`` on rank ``rank`` (a disjoint shard), and the gradients are summed over ranks by one
all-reduce of the flattened gradient (the parameter size per step; what DDP does, bucketed) and divided
by the number of batches in the step. Every rank then clips and steps AdamW on the same numbers, so the
weights stay identical without being broadcast. A rank without a batch in an epoch's last step
contributes a zero gradient. Chain noise is seeded from (seed, global batch index), so with one process
the run is exactly plain ``seqgsn train``. Validation is sharded by batch and its counts summed
(integers: identical to one process). Rank 0 alone writes logs, checkpoints and the model.

Backends: NCCL when training on CUDA, gloo on CPU. Without torchrun's environment (``RANK``,
``WORLD_SIZE``), everything here is a no-op single process.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, TypeVar

import torch
import torch.distributed as tdist

T = TypeVar("T")
DIGEST_ENV = "SEQGSN_WEIGHTS_DIGEST"     # tests: every rank writes a digest of its final weights here


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ and "MASTER_ADDR" in os.environ


@dataclass
class Dist:
    """This process's place in the job (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1
    active: bool = False          # a process group is initialised

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # -- training ---------------------------------------------------------------------------
    def steps(self, n_batches: int) -> int:
        """Optimiser steps in an epoch of ``n_batches`` batches (each step takes one batch per rank)."""
        return -(-n_batches // self.world)

    def batch_index(self, step_in_epoch: int) -> int:
        """This rank's batch (in the single-process order) at a step; may be >= n_batches (none)."""
        return step_in_epoch * self.world + self.rank

    def batches_in_step(self, step_in_epoch: int, n_batches: int) -> int:
        return min(self.world, n_batches - step_in_epoch * self.world)

    def sync_grads(self, params: Sequence[torch.nn.Parameter], n_batches_in_step: int) -> None:
        """Sum every rank's gradient (one all-reduce of the flattened gradients), divide by the batches.

        A parameter without a gradient on every rank keeps none (AdamW then skips it, as in one process)."""
        if not self.active:
            return
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        has = torch.tensor([float(p.grad is not None) for p in params], device=grads[0].device)
        flat = torch.cat([g.reshape(-1).float() for g in grads] + [has])     # [n_params + n_tensors]
        tdist.all_reduce(flat, op=tdist.ReduceOp.SUM)
        present = flat[-len(params):] > 0
        flat = flat[:-len(params)] / n_batches_in_step
        off = 0
        for i, (p, g) in enumerate(zip(params, grads)):
            n = g.numel()
            p.grad = flat[off:off + n].view_as(p).to(p.dtype).clone() if present[i] else None
            off += n

    def sum_ints(self, values: List[int], device="cpu") -> List[int]:
        """Integer counts summed over ranks (exact)."""
        return [int(x) for x in self._sum(values, torch.int64, device)]

    def sum_floats(self, values: List[float], device="cpu") -> List[float]:
        """Float sums over ranks (float64; every rank gets the same numbers)."""
        return [float(x) for x in self._sum(values, torch.float64, device)]

    def _sum(self, values, dtype, device) -> list:
        if not self.active:
            return list(values)
        t = torch.tensor(values, dtype=dtype, device=device)
        tdist.all_reduce(t, op=tdist.ReduceOp.SUM)
        return t.tolist()

    def any(self, flag: bool, device="cpu") -> bool:
        """True on every rank if it is true on any (consistent stop decisions, e.g. a time budget)."""
        if not self.active:
            return bool(flag)
        t = torch.tensor([int(bool(flag))], device=device)
        tdist.all_reduce(t, op=tdist.ReduceOp.MAX)
        return bool(t.item())

    def shard(self, items: Sequence[T]) -> List[T]:
        """Every world-th item from this rank's position (round robin)."""
        return list(items[self.rank::self.world])

    def barrier(self) -> None:
        if self.active:
            tdist.barrier()

    def broadcast_params(self, module: torch.nn.Module) -> None:
        """Rank 0's parameters to every rank (they are equal by seeding already; this makes sure)."""
        if self.active:
            for p in module.parameters():
                tdist.broadcast(p.data, 0)

    def __enter__(self) -> "Dist":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """``with dist:`` leaves the job on the way out: finished unless an exception is on its way."""
        self.close(finished=exc_type is None)

    def close(self, finished: bool = True) -> None:
        """Leave the job. After a run that ``finished`` on this rank, every rank first meets at a barrier:
        a rank that tore down its gloo connections while its peer was still writing or closing them was
        seen to abort at exit now and then (SIGABRT, "terminate called without an active exception") after
        a training run had finished. After a failure no barrier (the peers may never reach it; torchrun
        stops them)."""
        if self.active and tdist.is_initialized():
            if finished:
                tdist.barrier()
            tdist.destroy_process_group()
            self.active = False


def setup(device: Optional[str] = "auto") -> tuple:
    """Join the torchrun job if there is one -> (Dist, device string for this rank).

    CUDA jobs use ``cuda:LOCAL_RANK`` and NCCL, CPU jobs gloo. Each rank's CPU thread count defaults to its
    share of the node's cores (``os.cpu_count() // LOCAL_WORLD_SIZE``, at least 1)."""
    if not launched_by_torchrun():
        return Dist(), device
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    want = (device or "auto").lower()
    cuda = torch.cuda.is_available() and want in ("auto", "cuda") or want.startswith("cuda")
    if cuda and want in ("auto", "cuda"):
        device = f"cuda:{local_rank}"
    backend = "nccl" if cuda else "gloo"
    if cuda:
        torch.cuda.set_device(torch.device(device))
    tdist.init_process_group(backend=backend)
    return Dist(rank, world, local_rank, local_world, active=True), device


def share_threads(d: Dist, threads: Optional[int]) -> None:
    """Each rank uses its share of the node's cores unless told otherwise."""
    if threads:
        torch.set_num_threads(int(threads))
    elif d.local_world > 1:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // d.local_world))


def weights_digest(module: torch.nn.Module) -> str:
    """SHA-256 over the parameters' bytes in state_dict order (to compare ranks' weights)."""
    h = hashlib.sha256()
    for k, v in module.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def write_digest(d: Dist, module: torch.nn.Module) -> None:
    """With ``SEQGSN_WEIGHTS_DIGEST=PREFIX``: write PREFIX.rankR holding this rank's weights digest."""
    prefix = os.environ.get(DIGEST_ENV)
    if prefix:
        with open(f"{prefix}.rank{d.rank}", "w") as fh:
            fh.write(weights_digest(module) + "\n")


def chunks_for_rank(d: Dist, chunks: Iterable[T]) -> Iterable[tuple]:
    """(index, chunk, mine) for consecutive chunks: chunk i belongs to rank i % world."""
    for i, c in enumerate(chunks):
        yield i, c, i % d.world == d.rank
