"""Plain data carried between layers: input records, labelled records, predictions.

Shapes: per-residue arrays are ``[L]`` or ``[L, C]`` for a chain of length L.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .alphabet import SS3, prob8_to_prob3, ss8_to_ss3


@dataclass
class Record:
    """One input sequence. ``id`` is the first word of the FASTA header."""

    id: str
    seq: str
    description: str = ""
    source: Optional[str] = None   # file it came from
    line: Optional[int] = None     # 1-based line of its header
    index: int = 0                 # 0-based record number in its file


@dataclass
class LabeledRecord:
    """A chain with optional labels, evaluation mask and profile.

    ss8 / ss3: label strings over ``HGIEBTSC`` / ``HEC`` (None when absent).
    mask: bool [L], True where the residue is evaluated / trained on (None = all).
    profile: float32 [L, P] optional per-residue profile block.
    """

    id: str
    seq: str
    ss8: Optional[str] = None
    ss3: Optional[str] = None
    mask: Optional[np.ndarray] = None
    profile: Optional[np.ndarray] = None
    source: Optional[str] = None
    line: Optional[int] = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.ss3 is None and self.ss8 is not None:
            self.ss3 = ss8_to_ss3(self.ss8)

    def __len__(self) -> int:
        return len(self.seq)

    def eval_mask(self) -> np.ndarray:
        return np.ones(len(self.seq), bool) if self.mask is None else np.asarray(self.mask, bool)

    def as_record(self) -> Record:
        return Record(self.id, self.seq, source=self.source, line=self.line)


@dataclass
class Prediction:
    """Output for one record. prob8: float32 [L, 8] in order ``H G I E B T S C``."""

    id: str
    seq: str
    ss8: str
    prob8: np.ndarray
    description: str = ""
    clamped: Optional[str] = None   # the clamp string used ('-' = free), if any
    samples: Optional[list] = None  # sampled 8-state strings, if asked for

    @property
    def prob3(self) -> np.ndarray:
        return prob8_to_prob3(self.prob8)

    @property
    def ss3(self) -> str:
        """3-state labels from the summed probabilities (H+G+I, E+B, T+S+C)."""
        return "".join(SS3[i] for i in self.prob3.argmax(-1).tolist())
