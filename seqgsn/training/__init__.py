"""Training: the walkback Trainer and the config-to-run glue (:func:`run_training`)."""
from .run import run_training

__all__ = ["run_training"]
