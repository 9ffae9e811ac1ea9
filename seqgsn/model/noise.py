"""Randomness of the GSN transition operator: hidden-unit noise, label draws, label masking.

Bengio et al. 2014, Sec. 3.4; Zhou & Troyanskaya 2014, Sec. 3.3:

* hidden units: additive Gaussian noise before and after the non-linearity;
* label state: a draw from the reconstruction distribution (Gumbel-max);
* corruption C(y~ | y): masking, i.e. a residue's label replaced by the neutral all-zero state.

Every draw goes through a :class:`Noise` source. ``Noise.shared(gen)`` draws whole batch tensors
from one generator (training). ``Noise.per_record(seeds, lengths)`` gives each record its own
generator and draws only its real positions, so a record's chain is a function of (model, record,
settings, seed) alone: not of its batch-mates, their order, the padding or the batch size.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F


def record_seed(seed: int, tokens: bytes) -> int:
    """A record's chain seed from the run's seed and its own encoded sequence (not its position)."""
    h = hashlib.sha256(int(seed).to_bytes(8, "little", signed=True) + bytes(tokens)).digest()
    return int.from_bytes(h[:8], "little") & ((1 << 62) - 1)


class Noise:
    """Source of the chain's random numbers; tensors are [B, C, L] (or [B, L]) float32."""

    def __init__(self, gen: Optional[torch.Generator], gens: Optional[List[torch.Generator]] = None,
                 lengths: Optional[Sequence[int]] = None):
        self.gen, self.gens, self.lengths = gen, gens, lengths

    @classmethod
    def shared(cls, gen: Optional[torch.Generator]) -> "Noise":
        return cls(gen)

    @classmethod
    def per_record(cls, seeds: Sequence[int], lengths: Sequence[int]) -> "Noise":
        return cls(None, [torch.Generator().manual_seed(int(s)) for s in seeds], [int(n) for n in lengths])

    def _draw(self, fn, shape, device) -> torch.Tensor:
        """fn(shape, generator) for the whole batch, or record by record over its real length.

        Always drawn on the CPU generator(s) and then moved to ``device``: the chain's draws are the
        same on every device (the device's own RNG is never used)."""
        if self.gens is None:
            return _to(fn(shape, self.gen), device)
        out = torch.zeros(shape, dtype=torch.float32)

        def fill(rows: range) -> None:        # each record's own generator, its own row: order-free
            for b in rows:
                n = self.lengths[b]
                out[b, ..., :n] = fn((*shape[1:-1], n), self.gens[b])
        _parallel(fill, len(self.gens))
        return _to(out, device)

    def randn(self, shape, device="cpu") -> torch.Tensor:
        return self._draw(lambda s, g: torch.randn(s, generator=g, dtype=torch.float32), shape, device)

    def rows(self, shape, device="cpu") -> torch.Tensor:
        """Uniforms [B, ...] with no length axis (per-record: one draw of shape[1:] per record)."""
        if self.gens is None:
            return _to(torch.rand(shape, generator=self.gen), device)
        return _to(torch.stack([torch.rand(tuple(shape[1:]), generator=g) for g in self.gens]), device)

    def rand(self, shape, device="cpu") -> torch.Tensor:
        """Uniforms [B, ..., L]; padding positions (per-record mode) are 0: callers mask them."""
        return self._draw(lambda s, g: torch.rand(s, generator=g, dtype=torch.float32), shape, device)


_POOL: Optional[ThreadPoolExecutor] = None


def _parallel(fill, n: int) -> None:
    """fill(range) over n records, split across torch's intra-op threads (each record's draws come from its
    own generator into its own row, so the result is the same on any number of threads). torch releases the
    GIL inside randn / rand: with 2 threads the noise takes about half the wall time."""
    global _POOL
    k = min(torch.get_num_threads(), n // 8)
    if k < 2:
        fill(range(n))
        return
    if _POOL is None or _POOL._max_workers < k:
        _POOL = ThreadPoolExecutor(max_workers=k, thread_name_prefix="seqgsn-noise")
    step = -(-n // k)
    inference = torch.is_inference_mode_enabled()       # thread-local: the workers take the caller's

    def task(rows: range) -> None:
        with torch.inference_mode(inference):
            fill(rows)
    futures = [_POOL.submit(task, range(i, min(n, i + step))) for i in range(step, n, step)]
    fill(range(0, min(n, step)))
    for f in futures:
        f.result()


def _to(t: torch.Tensor, device) -> torch.Tensor:
    return t if torch.device(device).type == "cpu" else t.to(device, non_blocking=True)


def gaussian(x: torch.Tensor, std: float, noise: Noise) -> torch.Tensor:
    if std <= 0:
        return x
    # Drawn in float32 and cast to x's dtype: the same draws at every precision; on CPU float32
    # randn + cast is faster than randn in bfloat16. add(alpha=) folds in the scaling.
    return torch.add(x, noise.randn(tuple(x.shape), x.device).to(x.dtype), alpha=std)


def sample_onehot(logits: torch.Tensor, noise: Noise) -> torch.Tensor:
    """Gumbel-max draw of a categorical over dim 1: logits [B, K, L] -> one-hot [B, K, L] (no gradient)."""
    # float32 uniforms even under bf16 autocast: bf16 is too coarse for the Gumbel tail
    u = noise.rand(tuple(logits.shape), logits.device)
    g = -torch.log((-torch.log(u.clamp_min(1e-10))).clamp_min(1e-10))   # Gumbel(0, 1)
    # max(1).indices, not argmax(1): same first-maximum index, ~10x faster over the strided dim on CPU
    idx = (logits.detach().float() + g).max(1).indices                 # [B, L]
    return F.one_hot(idx, logits.shape[1]).transpose(1, 2).to(logits.dtype)
