"""Training examples, padding collate and length-bucketed batches.

A batch is a dict of tensors, batch-first with a bool mask:
  tokens [B, L] int64, mask [B, L] bool (real residue), y8 [B, L] int64 (-1 = no 8-state label),
  y3 [B, L] int64 (-1 = no 3-state label), profile [B, L, P] float32 (optional).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional

import numpy as np
import torch

from ..alphabet import encode_ss3, encode_ss8
from .features import FeatureSpec, featurize


@dataclass
class Example:
    id: str
    tokens: np.ndarray            # [L]
    y8: np.ndarray                # [L], -1 where unknown or not to be trained on
    y3: np.ndarray                # [L], -1 likewise
    profile: Optional[np.ndarray] = None

    def __len__(self):
        return len(self.tokens)


def make_example(rec, spec: FeatureSpec) -> Example:
    """LabeledRecord -> Example. Residues outside the record's mask carry no label (-1)."""
    f = featurize(rec, spec)
    L = len(f.tokens)
    where = dict(file=rec.source, record=rec.id)
    y8 = encode_ss8(rec.ss8, **where) if rec.ss8 is not None else np.full(L, -1, np.int64)
    y3 = encode_ss3(rec.ss3, **where) if rec.ss3 is not None else np.full(L, -1, np.int64)
    if rec.mask is not None:
        keep = np.asarray(rec.mask, bool)
        y8 = np.where(keep, y8, -1)
        y3 = np.where(keep, y3, -1)
    return Example(rec.id, f.tokens, y8.astype(np.int64), y3.astype(np.int64), f.profile)


def crop(ex: Example, max_len: int, rng: np.random.Generator) -> Example:
    if max_len <= 0 or len(ex) <= max_len:
        return ex
    s = int(rng.integers(0, len(ex) - max_len + 1))
    sl = slice(s, s + max_len)
    return Example(ex.id, ex.tokens[sl], ex.y8[sl], ex.y3[sl],
                   None if ex.profile is None else ex.profile[sl])


def collate(examples: List[Example]) -> dict:
    B = len(examples)
    L = max(len(e) for e in examples)
    tokens = torch.zeros(B, L, dtype=torch.long)
    mask = torch.zeros(B, L, dtype=torch.bool)
    y8 = torch.full((B, L), -1, dtype=torch.long)
    y3 = torch.full((B, L), -1, dtype=torch.long)
    prof = None
    if examples[0].profile is not None:
        prof = torch.zeros(B, L, examples[0].profile.shape[1])
    for i, e in enumerate(examples):
        n = len(e)
        tokens[i, :n] = torch.from_numpy(e.tokens)
        mask[i, :n] = True
        y8[i, :n] = torch.from_numpy(e.y8)
        y3[i, :n] = torch.from_numpy(e.y3)
        if prof is not None:
            prof[i, :n] = torch.from_numpy(e.profile)
    out = {"tokens": tokens, "mask": mask, "y8": y8, "y3": y3}
    if prof is not None:
        out["profile"] = prof
    return out


def length_batches(lengths, batch_residues: int, rng: Optional[np.random.Generator] = None) -> List[List[int]]:
    """Group indices into batches with B * max_len <= batch_residues (at least one chain each).

    With ``rng``: lengths are jittered before sorting and the batch order is shuffled, so
    epochs differ but padding stays small. Without: deterministic, sorted by length.
    """
    lengths = np.asarray(lengths)
    key = lengths + (rng.uniform(0, 8, size=len(lengths)) if rng is not None else 0)
    order = np.argsort(key, kind="stable")
    batches, cur, cur_max = [], [], 0
    for i in order:
        longest = max(cur_max, int(lengths[i]))
        if cur and longest * (len(cur) + 1) > batch_residues:
            batches.append(cur)
            cur, longest = [], int(lengths[i])
        cur.append(int(i))
        cur_max = longest
    if cur:
        batches.append(cur)
    if rng is not None:
        rng.shuffle(batches)
    return batches


def example_batches(examples: List[Example], batch_residues: int) -> Iterator[dict]:
    """Collated batches of ``examples`` (uncropped), sorted by length, in a fixed order: for
    validation and the post-walkback stages, which seed each batch by its index."""
    for idx in length_batches([len(e) for e in examples], batch_residues):
        yield collate([examples[i] for i in idx])


def iterate_batches(examples: List[Example], batch_residues: int, max_len: int,
                    rng: np.random.Generator) -> Iterator[dict]:
    cropped = [crop(e, max_len, rng) for e in examples]
    for idx in length_batches([len(e) for e in cropped], batch_residues, rng):
        yield collate([cropped[i] for i in idx])
