"""Prediction and sampling on several processes (``torchrun ... -m seqgsn predict IN -o OUT``).

Every rank runs the same streaming pipeline (``seqgsn.chain.pipeline.run``): it reads the same input,
cuts the same chunks and checks the same records, so all ranks agree on every record's place without
talking. Chunks are dealt round robin, one round of ``world`` chunks at a time: rank r predicts chunk
``round * world + r``; rank 0 gathers the round's predictions (and any per-record problems) and writes
them in input order, then checkpoints (``--resume`` restarts at a round boundary). A record's chain is
seeded from (seed, the record) only, so the output is byte-identical to one process with the same seed.
Memory per rank stays bounded by the chunk size (rank 0: one round of predictions).

A typed error that stops the run (``--on-error fail``) is sent to every rank, which all raise it.
Standard input cannot be shared between processes: distributed runs need an input file.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable, List

import torch.distributed as tdist

from ..errors import ConfigError, SeqGSNError
from ..io.problems import ProblemReport
from ..distributed import Dist
from . import pipeline


@dataclass
class Role:
    """This rank's part in a multi-process run (the ``role`` argument of ``pipeline.run``)."""

    exchange: Callable
    round_size: int
    writer: bool
    barrier: Callable


def _exchange(predictor, opts: "pipeline.RunOptions", d: Dist) -> Callable:
    def exchange(work: List[tuple], report: ProblemReport) -> List[list]:
        """work: this round's chunks [(items, recs, clamps)] -> every chunk's predictions (on rank 0)."""
        mine = d.rank
        payload = None
        if mine < len(work):
            _, recs, clamps = work[mine]
            local = ProblemReport()
            try:
                payload = ("ok", pipeline.predict_items(predictor, recs, clamps, opts, local), local.problems)
            except SeqGSNError as e:           # --on-error fail: every rank must stop, not only this one
                payload = ("error", e.reason, (e.file, e.record, e.line, e.position, type(e).__name__))
        gathered = [None] * d.world if d.is_main else None
        tdist.gather_object(payload, gathered, dst=0)
        status = [None]
        if d.is_main:
            err = next((g for g in gathered if g is not None and g[0] == "error"), None)
            status = [err]
        tdist.broadcast_object_list(status, src=0)
        if status[0] is not None:
            _, reason, (file, record, line, position, kind) = status[0]
            raise SeqGSNError(reason, file=file, record=record, line=line, position=position)
        if not d.is_main:
            return [[None] * len(recs) for _, recs, _ in work]     # not written on this rank
        out = []
        for i in range(len(work)):
            _, preds, problems = gathered[i]
            for p in problems:                 # the owner's per-record problems, in input order
                report._store(p)
            out.append(preds)
        return out
    return exchange


def run(predictor, source, d: Dist, *, out=None, opts=None, **kw) -> "pipeline.RunResult":
    """``pipeline.run`` on rank ``d.rank`` of ``d.world``; rank 0's result is the run's result."""
    if str(source) == "-":
        raise ConfigError("a multi-process run needs an input file, not standard input")
    opts = opts or pipeline.RunOptions()
    role = Role(_exchange(predictor, opts, d), d.world, d.is_main, d.barrier)
    if not d.is_main:
        kw = dict(kw, stdout=io.StringIO(), stderr=io.StringIO(), progress=False)
    return pipeline.run(predictor, source, out=out, opts=opts, role=role, **kw)
