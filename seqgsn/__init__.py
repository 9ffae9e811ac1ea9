"""seqgsn: protein secondary structure prediction with a convolutional Generative Stochastic Network."""
__version__ = "0.1.0"

import os as _os

# oneDNN caches one primitive per input shape; with length-varying batches that cache grows to
# several GB over a training run (measured here: 7 GB RSS after 30 minutes). Keep it small.
_os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")

from .errors import SeqGSNError  # noqa: E402
from .records import LabeledRecord, Prediction, Record  # noqa: E402


def load_model(path=None, **kw):
    """Load a model file (default: the bundled model). See :mod:`seqgsn.api`."""
    from .api import load_model as _load
    return _load(path, **kw)


__all__ = ["__version__", "load_model", "Record", "LabeledRecord", "Prediction", "SeqGSNError"]
