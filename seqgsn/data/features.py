"""Per-residue input features: residue tokens and an optional profile block.

The model embeds tokens itself (``seqgsn.model.backbone``); this module only
turns records into arrays and checks that profile-trained models get profiles.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..alphabet import encode_sequence
from ..errors import SeqGSNError


@dataclass(frozen=True)
class FeatureSpec:
    profile_dim: int = 0  # 0 = single-sequence model


@dataclass
class Features:
    tokens: np.ndarray                 # int64 [L]
    profile: Optional[np.ndarray]      # float32 [L, P] or None


def featurize(rec, spec: FeatureSpec) -> Features:
    """Record / LabeledRecord -> Features. A profile model refuses records without a profile."""
    tokens = encode_sequence(rec.seq, file=getattr(rec, "source", None), record=rec.id)
    prof = getattr(rec, "profile", None)
    if spec.profile_dim:
        if prof is None:
            raise SeqGSNError(
                f"this model was trained with {spec.profile_dim}-column profiles and cannot predict "
                "from sequence alone; supply profiles (PSSM/.hhm) for every record",
                file=getattr(rec, "source", None), record=rec.id)
        prof = np.asarray(prof, dtype=np.float32)
        if prof.shape != (len(tokens), spec.profile_dim):
            raise SeqGSNError(f"profile shape {prof.shape} != ({len(tokens)}, {spec.profile_dim})",
                              file=getattr(rec, "source", None), record=rec.id)
    else:
        prof = None
    return Features(tokens, prof)
