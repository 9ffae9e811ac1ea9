"""Model files: versioned, safe to load, config and metrics inside.

A model file is ``torch.save`` of a plain dict (only tensors, str, numbers, lists, dicts):

    format           "seqgsn-model"
    format_version   FORMAT_VERSION (int)
    package_version  seqgsn version that wrote it
    config           the full resolved Config as a plain dict
    alphabet         seqgsn.alphabet.ALPHABET_SPEC (must match this install)
    state_dict       model weights
    metrics          dict (validation / test numbers, free-form)
    meta             dict (training data description, run info)

Loading uses ``torch.load(weights_only=True)``, so a file carrying pickled code is
refused instead of executed; then the format, version, alphabet and the exact set
of weight keys and shapes are checked. Older format versions are upgraded by the
functions in ``_UPGRADES`` (one step each), so old files keep loading.
"""
from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Optional

import torch

from .. import __version__
from ..alphabet import ALPHABET_SPEC
from ..config import Config, config_from_dict, config_to_dict
from ..errors import CheckpointError, ConfigError
from ..io.atomic import atomic_write
from .gsn import SeqGSN

FORMAT = "seqgsn-model"
FORMAT_VERSION = 1


def _v0_to_v1(d: dict) -> dict:
    # v0 (pre-release) had no alphabet entry and kept metrics under "val".
    d = dict(d)
    d.setdefault("alphabet", dict(ALPHABET_SPEC))
    d["metrics"] = d.pop("val", d.get("metrics", {})) or {}
    d.setdefault("meta", {})
    d["format_version"] = 1
    return d


_UPGRADES = {0: _v0_to_v1}


def to_dict(model: SeqGSN, cfg: Config, metrics: Optional[dict] = None, meta: Optional[dict] = None) -> dict:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
            "config": config_to_dict(cfg), "alphabet": dict(ALPHABET_SPEC),
            "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
            "metrics": metrics or {}, "meta": meta or {}}


def save_model(path, model: SeqGSN, cfg: Config, metrics: Optional[dict] = None,
               meta: Optional[dict] = None) -> None:
    """Atomic write (temp file + rename) of a model file."""
    save_dict(path, to_dict(model, cfg, metrics, meta))


def save_dict(path, d: dict) -> None:
    buf = io.BytesIO()
    torch.save(d, buf)
    with atomic_write(path, "wb") as fh:
        fh.write(buf.getvalue())


ZIP_MAGIC = b"PK\x03\x04"      # torch.save's format (a zip archive)


def read_dict(path) -> dict:
    """Safe load of any seqgsn file written with torch.save (models and training states)."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError("model file not found", file=path)
    if path.is_dir():
        raise CheckpointError("not a seqgsn model file (a directory)", file=path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head != ZIP_MAGIC:
        what = "an empty file" if not head else "not a file written by torch.save"
        raise CheckpointError(f"not a seqgsn model file ({what}; a model is the model.pt of a "
                              "`seqgsn train` run folder)", file=path)
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # torch's note on pickle protocols
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError("not a seqgsn model file (it holds Python objects, not plain tensors and "
                              "values; refused without loading them, since loading could run code)",
                              file=path) from None
    except (zipfile.BadZipFile, RuntimeError, EOFError, OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"truncated or corrupted model file ({type(e).__name__}: {str(e)[:200]})",
                              file=path) from None


def upgrade(d: dict, path=None) -> dict:
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise CheckpointError("not a seqgsn model file (missing format tag)", file=path)
    v = d.get("format_version")
    if not isinstance(v, int):
        raise CheckpointError("missing format_version", file=path)
    if v > FORMAT_VERSION:
        raise CheckpointError(f"format version {v} is newer than this seqgsn supports ({FORMAT_VERSION}); "
                              "upgrade seqgsn", file=path)
    while v < FORMAT_VERSION:
        if v not in _UPGRADES:
            raise CheckpointError(f"no upgrade path from format version {v}", file=path)
        d = _UPGRADES[v](d)
        v = d["format_version"]
    return d


def load_model_file(path) -> tuple:
    """-> (model in eval mode, Config, file dict). Every failure is a CheckpointError."""
    d = upgrade(read_dict(path), path)
    for key in ("config", "alphabet", "state_dict"):
        if key not in d:
            raise CheckpointError(f"missing entry '{key}'", file=path)
    if d["alphabet"] != ALPHABET_SPEC:
        raise CheckpointError(f"alphabet mismatch: file has {d['alphabet']}, this seqgsn uses {ALPHABET_SPEC}",
                              file=path)
    try:
        cfg = config_from_dict(d["config"], str(path))
    except ConfigError as e:
        raise CheckpointError(f"invalid config inside model file: {e.reason}", file=path) from None
    model = SeqGSN(cfg.model)
    sd = d["state_dict"]
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    extra = sorted(set(sd) - set(own))
    if missing or extra:
        raise CheckpointError(f"weights do not match the config: missing {missing[:5]}, unexpected {extra[:5]}",
                              file=path)
    for k, v in sd.items():
        if not isinstance(v, torch.Tensor) or v.shape != own[k].shape:
            raise CheckpointError(f"weight '{k}' has shape {getattr(v, 'shape', None)}, expected "
                                  f"{tuple(own[k].shape)}", file=path)
    model.load_state_dict(sd, strict=True)
    model.eval()
    return model, cfg, d
