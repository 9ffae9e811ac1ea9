"""Predicting one chunk of records: the batched call, and the one-by-one fallback that isolates a bad record."""
from __future__ import annotations

import inspect
from typing import Dict, List, Optional

from ..errors import SeqGSNError
from ..records import Prediction, Record


def predict_items(predictor, recs: List[Record], clamps, opts: "RunOptions", report: "ProblemReport",
                  on_batch=None) -> list:
    """One chunk's predictions (None where a record failed; its problem goes to ``report``)."""
    if not recs:
        return []
    try:
        preds = list(_predict_chunk(predictor, recs, clamps, opts, opts.seed, on_batch=on_batch))
    except SeqGSNError:
        preds = _one_by_one(predictor, recs, clamps, opts, opts.seed, report)
    if len(preds) != len(recs):
        raise SeqGSNError(f"predictor returned {len(preds)} predictions for {len(recs)} records")
    return preds


def _local(predictor, work: list, opts: "RunOptions", report: "ProblemReport", on_batch=None) -> list:
    """Predict every chunk of a round in this process: [(items, recs, clamps)] -> [preds]."""
    return [predict_items(predictor, recs, clamps, opts, report, on_batch) for _, recs, clamps in work]


def _predict_chunk(predictor, recs: List[Record], clamps: Optional[Dict[str, str]], opts: "RunOptions",
                   seed: int, on_batch=None) -> List[Prediction]:
    fn = predictor.sample if opts.mode == "sample" else predictor.predict
    kw = {}
    if on_batch is not None and "on_batch" in inspect.signature(fn).parameters:
        kw["on_batch"] = on_batch        # per chain batch progress (a stand-in predictor may not offer it)
    if opts.mode == "sample":
        if clamps:
            kw["clamps"] = clamps
        if opts.sampler:
            kw["sampler"] = opts.sampler
        if opts.reveal is not None:
            kw["reveal"] = opts.reveal
        if opts.restart:
            kw["restart"] = True
        if opts.groups is not None:
            kw["groups"] = opts.groups
        if opts.draws is not None:
            kw["draws"] = opts.draws
        return fn(recs, n=opts.n, burn_in=opts.burn_in, thin=opts.thin, seed=seed, **kw)
    return fn(recs, clamps=clamps or None, steps=opts.steps, burn_in=opts.burn_in, seed=seed, **kw)


def _one_by_one(predictor, recs, clamps, opts, seed, report) -> List[Optional[Prediction]]:
    """A chunk failed with a typed error: isolate the record(s) responsible, keep the others."""
    out: List[Optional[Prediction]] = []
    for r in recs:
        c = {r.id: clamps[r.id]} if clamps and r.id in clamps else None
        try:
            out.append(_predict_chunk(predictor, [r], c, opts, seed)[0])
        except SeqGSNError as e:
            if e.record is None:
                e.record = r.id
            if e.file is None:
                e.file = r.source
            report.add_error(e, index=r.index, code="predict_failed")
            if opts.on_error == "fail":
                raise
            out.append(None)
    return out
