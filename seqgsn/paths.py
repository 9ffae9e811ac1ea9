"""Where shared, read-only data lives (never copied into the repository)."""
from __future__ import annotations

import os
from pathlib import Path


def data_root() -> Path:
    """``$SEQGSN_DATA`` if set, else ``<repo>/../shared/data``."""
    env = os.environ.get("SEQGSN_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"
