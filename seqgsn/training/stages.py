"""The post-walkback stages' settings (temperature, CRF) and loading the walkback weights they start from."""
from __future__ import annotations

from ..errors import CheckpointError
from ..model.gsn import SeqGSN

# Settings that only shape the post-walkback stages, the prediction temperature (seqgsn.chain.temperature)
# and the CRF sampler (seqgsn.chain.crf_fit): a finished run can be resumed with them changed, and then only
# those stages run again (the CRF only when its own settings changed).
CRF_KEYS = {("model", "crf_durations"), ("chain", "sampler"), ("chain", "match_iters"),
            ("chain", "match_step"), ("train", "pairwise_iters"), ("train", "pairwise_lr"),
            ("train", "pairwise_matched_iters"), ("train", "pairwise_val_samples")}
# The prediction chain's schedule: the temperature is fitted to it, so a change refits it (a finished
# run resumed with another schedule keeps its weights; during walkback it also drives validation).
CALIBRATION_KEYS = {("train", "calibrate"), ("chain", "temperature"), ("chain", "steps"),
                    ("chain", "burn_in"), ("chain", "reveal"), ("chain", "groups")}
STAGE_KEYS = CRF_KEYS | CALIBRATION_KEYS


def walkback_config(d: dict) -> dict:
    """A config dict without the post-walkback stages' settings (what a resume must not change)."""
    return {sec: {k: v for k, v in vals.items() if (sec, k) not in STAGE_KEYS} for sec, vals in d.items()}


def load_walkback(model: SeqGSN, sd: dict, path) -> None:
    """Load weights; the CRF's own parameters may be absent or shaped differently (refitted anyway)."""
    crf_names = {n for n, p in model.named_parameters() if any(p is q for q in model.structured_params())}
    own = model.state_dict()
    bad = sorted((set(own) ^ set(sd)) - crf_names)
    if bad:
        raise CheckpointError(f"weights do not match the config: {bad[:5]}", file=path)
    keep = {k: v for k, v in sd.items() if k not in crf_names or v.shape == own[k].shape}
    model.load_state_dict(keep, strict=False)
