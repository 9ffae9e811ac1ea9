"""The post-walkback stages' settings (temperature, CRF) and loading the walkback weights they start from."""
from __future__ import annotations

from pathlib import Path

from ..config import config_to_dict, load_config
from ..errors import CheckpointError, ConfigError
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


def check_resumable(run_dir, cfg) -> None:
    """Before any data work: ``run_dir`` holds a run (state.pt), and ``cfg`` differs from its config.yaml only
    in the post-walkback stages' settings. (``Trainer.load_state`` checks the state itself again.)"""
    run_dir = Path(run_dir)
    if not (run_dir / "state.pt").exists():
        raise ConfigError(f"no run to resume in {run_dir} (no state.pt: start it with --config and --run-dir)")
    if not (run_dir / "config.yaml").exists():
        return
    then, now = walkback_config(config_to_dict(load_config(run_dir / "config.yaml"))), walkback_config(config_to_dict(cfg))
    diff = [f"{sec}.{k}" for sec in now for k in now[sec] if then.get(sec, {}).get(k) != now[sec][k]]
    if diff:
        raise ConfigError(f"the config given differs from the run's own config.yaml in {', '.join(diff[:5])}; "
                          "a resumed run may change only the calibration / CRF stages' settings",
                          file=run_dir / "config.yaml")
