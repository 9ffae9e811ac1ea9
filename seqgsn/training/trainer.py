"""Trainer: walkback optimisation of the GSN, validation, checkpoints, resume.

Reproducibility: every optimiser step seeds torch's global RNG (dropout) and the
chain's noise generator from (seed, global step), and each epoch's batch order
comes from numpy's generator seeded with (seed, epoch). A run resumed from a
checkpoint therefore replays exactly the steps an uninterrupted run would take,
and ends with bit-identical weights.

Run directory:  config.yaml (resolved), log.txt, metrics.jsonl (one line per
epoch; accuracies as fractions, printed as percentages by ``seqgsn.training.summary``), state.pt (resumable, atomic, every ``checkpoint_every`` steps and at each
epoch end), model.pt (best validation Q8, a model file: ``seqgsn.model.checkpoint``).
"""
from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..alphabet import MASK, SS8, SS8_TO_SS3_INDEX
from ..chain.crf_fit import fit_pairwise
from ..chain.marginals import chain_marginals
from ..chain.temperature import fit_temperature
from ..config import Config, config_to_dict, dump_config, trains_x_term
from ..data.batches import Example, example_batches, iterate_batches, length_batches
from ..devices import autocast, resolve_precision
from ..errors import CheckpointError
from ..io.atomic import atomic_write
from ..model.checkpoint import read_dict, save_dict, save_model
from ..model.gsn import ChainSettings, SeqGSN
from ..model.masking import span_uniforms
from ..model.noise import Noise
from ..model.losses import step_weights, walkback_label_cost, x_nll
from ..distributed import Dist, write_digest
from .stages import CRF_KEYS, load_walkback as _load_walkback, walkback_config as _walkback_config
from ..progress import Progress, fmt_seconds
from .summary import epoch_line, finite_mean, frac, pct, selection_metric, selection_score


def _step_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step * 7_919 + 17) % (2 ** 62)


class Trainer:
    def __init__(self, cfg: Config, run_dir, train: List[Example], val: List[Example],
                 unlabeled: Optional[List[Example]] = None, meta: Optional[dict] = None,
                 log: Callable[[str], None] = print, progress: bool = False, device: str = "cpu",
                 dist: Optional[Dist] = None):
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.train_ex, self.val_ex = train, val
        self.unl_ex = unlabeled or []
        self.meta = meta or {}
        self.log = log
        self.progress = progress       # a live tqdm line over the optimiser steps when stderr is a terminal
        train_cfg = cfg.train
        if train_cfg.threads:
            torch.set_num_threads(train_cfg.threads)
        torch.manual_seed(train_cfg.seed)
        # device / precision / processes (seqgsn.devices, seqgsn.distributed): resolved at run time
        self.device, self.dist = torch.device(device), dist or Dist()
        self.precision = resolve_precision(train_cfg.precision, self.device)
        self.model = SeqGSN(cfg.model).to(self.device)
        self.dist.broadcast_params(self.model)
        # the CRF's parameters are fitted after walkback (seqgsn.chain.crf_fit), not by it
        structured = {id(p) for p in self.model.structured_params()}
        self.trained = [p for p in self.model.parameters() if id(p) not in structured]
        self.opt = torch.optim.AdamW(self.trained, lr=train_cfg.lr, weight_decay=train_cfg.weight_decay)
        self.epoch, self.step_in_epoch, self.global_step, self.bad_epochs = 0, 0, 0, 0
        self.best, self.best_epoch, self.history, self.elapsed = float("-inf"), -1, [], 0.0
        n_batches = len(length_batches([min(len(e), cfg.data.max_train_len) for e in self.all_examples()],
                                       train_cfg.batch_residues))
        self.total_steps = max(1, self.dist.steps(n_batches) * train_cfg.epochs)
        if train_cfg.max_steps:
            self.total_steps = min(self.total_steps, train_cfg.max_steps)

    def all_examples(self):
        return self.train_ex + self.unl_ex

    # ------------------------------------------------------------------ schedule
    def lr_at(self, step: int) -> float:
        warm = min(300, self.total_steps // 10 + 1)
        if step < warm:
            return self.cfg.train.lr * (step + 1) / warm
        frac = min(1.0, (step - warm) / max(1, self.total_steps - warm))
        return self.cfg.train.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))

    # ------------------------------------------------------------------ one update
    def loss(self, batch: dict, gen: torch.Generator):
        """Walkback cost of one batch (``seqgsn.model.gsn`` module docstring) -> (total, dict of parts)."""
        model_cfg, train_cfg = self.cfg.model, self.cfg.train
        dev = self.device
        batch = {k: v.to(dev, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        tokens, mask, y8, y3 = batch["tokens"], batch["mask"], batch["y8"], batch["y3"]
        B, L = tokens.shape

        def rand(*shape):          # drawn on the CPU generator, then moved: same draws on every device
            return torch.rand(*shape, generator=gen).to(dev)
        x_p = model_cfg.x_corruption_p
        hybrid = trains_x_term(model_cfg, train_cfg)
        walk_x = hybrid and train_cfg.x_walkback          # the chain masks x itself, step by step
        mask_x_once = x_p > 0 and (hybrid or not train_cfg.x_term) and not walk_x   # x_term off: masking alone
        x_where, tok_in = None, tokens
        if mask_x_once:
            x_where = (rand(B, L) < x_p) & mask
            tok_in = torch.where(x_where, torch.full_like(tokens, MASK), tokens)
        # Clamped chains: a random fraction of some chains' 8-state labels is held fixed at every
        # step (never masked, reset after every draw), as ``predict --clamp`` does; they carry no cost.
        clamp, weight = None, mask.float()
        if train_cfg.clamp_train_p > 0:
            chosen = rand(B, 1) < train_cfg.clamp_train_p
            frac = rand(B, 1) * train_cfg.clamp_train_max
            # span_p: known labels in whole segments, as a user's often are
            u = span_uniforms(rand(B, L), train_cfg.span_p, train_cfg.span_length, Noise.shared(gen))
            known = (u < frac) & chosen & (y8 >= 0)
            if known.any():
                clamp = (known, y8)
                weight = weight * (~known)
        settings = ChainSettings(train_cfg.walkback, mode="train", noisy=True,
                                 mask_all_p=train_cfg.mask_all_p, mask_rate_power=train_cfg.mask_rate_power,
                                 span_p=train_cfg.span_p, span_length=train_cfg.span_length,
                                 with_x=hybrid, x_walk=x_p if walk_x else 0.0, relabel=train_cfg.relabel_p)
        out = self.model.run_chain(tok_in, mask, settings, Noise.shared(gen), profile=batch.get("profile"),
                                   truth=y8, clamp=clamp)
        k = len(out.step_logits)
        ws = step_weights(train_cfg.step_weights, k, train_cfg.first_step_share)
        # Each step is scored on the residues it decided (``walkback_label_cost``): the ones it hid, plus,
        # with train.relabel_p, the shown ones whose label it swapped.
        sup = walkback_label_cost(out.step_logits, out.step_masked, y8, y3, weight, ws, train_cfg.mask_weighting)
        # a batch of unlabelled chains (hybrid) has no supervised cost: nan, not a 0 that drags the mean down
        parts = {"sup": sup.item() if bool(((y8 >= 0) | (y3 >= 0)).any()) else float("nan")}
        total = sup
        if hybrid:
            uns = torch.zeros((), device=dev)
            for w, xl, hid in zip(ws, out.x_logits, out.x_hidden if walk_x else [x_where] * k):
                s, n = x_nll(xl, tokens, hid)
                uns = uns + w * s / n.clamp_min(1)
            total = train_cfg.hybrid_lambda * sup + (1 - train_cfg.hybrid_lambda) * uns
            parts["unsup"] = uns.item()
        return total, parts

    def train_step(self, batch: Optional[dict], gen: torch.Generator, step: int, n_in_step: int = 1) -> dict:
        """One optimiser update, seeded from (seed, global batch index) so that resumed runs replay it
        exactly. Distributed: this rank's batch (None: none left in the epoch, zero gradient) and the
        number of batches the step has over all ranks (``seqgsn.distributed``)."""
        train_cfg = self.cfg.train
        s = _step_seed(train_cfg.seed, step * self.dist.world + self.dist.rank)
        torch.manual_seed(s)
        gen.manual_seed(s + 1)
        for g in self.opt.param_groups:
            g["lr"] = self.lr_at(step)
        self.opt.zero_grad(set_to_none=True)
        parts = {"sup": float("nan")}
        if batch is not None:
            # bf16 autocast: convolutions run in bfloat16, weights and the optimiser stay float32,
            # losses are computed in float32 (autocast's policy for log_softmax).
            with autocast(self.device, self.precision):
                loss, parts = self.loss(batch, gen)
            loss.backward()
        self.dist.sync_grads(self.trained, n_in_step)
        if train_cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), train_cfg.grad_clip)
        self.opt.step()
        return parts

    # ------------------------------------------------------------------ validation
    @torch.no_grad()
    def validate(self) -> dict:
        if not self.val_ex:
            return {}
        self.model.eval()
        ch = self.cfg.chain
        c8 = c3 = n8 = n3 = 0
        # each rank scores every world-th batch; counts are summed (per-record seeds: same as one process)
        for batch in self.dist.shard(list(example_batches(self.val_ex, ch.batch_residues))):
            p = chain_marginals(self.model, batch, steps=ch.steps, burn_in=ch.burn_in, reveal=ch.reveal, groups=ch.groups,
                                noisy=ch.noise, seed=1000, precision=ch.precision)
            pred8 = p.argmax(-1)
            p3 = torch.zeros(*p.shape[:2], 3).index_add_(-1, torch.as_tensor(SS8_TO_SS3_INDEX), p)
            pred3 = p3.argmax(-1)
            y8, y3 = batch["y8"], batch["y3"]
            c8 += int(((pred8 == y8) & (y8 >= 0)).sum())
            n8 += int((y8 >= 0).sum())
            c3 += int(((pred3 == y3) & (y3 >= 0)).sum())
            n3 += int((y3 >= 0).sum())
        self.model.train()
        c8, n8, c3, n3 = self.dist.sum_ints([c8, n8, c3, n3], self.device)
        return {"val_q8": c8 / n8 if n8 else None, "val_q3": c3 / n3 if n3 else None,   # None: no such labels
                "val_residues8": n8, "val_residues3": n3}

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        return {"format": "seqgsn-train-state", "format_version": 1, "config": config_to_dict(self.cfg),
                "model": self.model.state_dict(), "opt": self.opt.state_dict(),
                "epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "global_step": self.global_step,
                "best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs,
                "history": json.dumps(self.history), "elapsed": self.elapsed}

    def save_state(self):
        if self.dist.is_main:
            save_dict(self.run_dir / "state.pt", self.state_dict())

    def load_state(self):
        d = read_dict(self.run_dir / "state.pt")
        if d.get("format") != "seqgsn-train-state":
            raise CheckpointError("not a seqgsn training state", file=self.run_dir / "state.pt")
        if _walkback_config(d["config"]) != _walkback_config(config_to_dict(self.cfg)):
            raise CheckpointError("the run's config differs from the one given; resume with the run's "
                                  "own config.yaml", file=self.run_dir / "state.pt")
        _load_walkback(self.model, d["model"], self.run_dir / "state.pt")
        self.opt.load_state_dict(d["opt"])
        for k in ("epoch", "step_in_epoch", "global_step", "best", "best_epoch", "bad_epochs", "elapsed"):
            setattr(self, k, d[k])
        self.history = json.loads(d["history"])

    def _stage_done(self, keys, metric: str) -> bool:
        """model.pt already holds this stage's result, fitted with the same settings as now."""
        d = read_dict(self.run_dir / "model.pt")
        now, then = config_to_dict(self.cfg), d.get("config") or {}
        return metric in (d.get("metrics") or {}) and \
            all(then.get(sec, {}).get(k) == now[sec][k] for sec, k in keys)

    def fit_calibration(self) -> dict:
        """Fit the prediction temperature (``seqgsn.chain.temperature``) of the best model on the validation
        chains; model.pt and config.yaml are rewritten with ``chain.temperature`` set to it."""
        path = self.run_dir / "model.pt"
        d = read_dict(path)
        model = SeqGSN(self.cfg.model)
        _load_walkback(model, d["state_dict"], path)
        examples = self.val_ex or self.train_ex
        if not self.val_ex:
            self.log("[calibrate] no validation chains: fitting on the training chains (over-confident)")
        res = fit_temperature(model, examples, self.cfg.chain, seed=self.cfg.train.seed)
        self.cfg = dataclasses.replace(self.cfg, chain=dataclasses.replace(self.cfg.chain,
                                                                           temperature=res["temperature"]))
        metrics = dict(d.get("metrics") or {})
        metrics["calibration"] = res
        save_model(path, model, self.cfg, metrics=metrics, meta=d.get("meta"))
        with atomic_write(self.run_dir / "config.yaml") as fh:
            fh.write(dump_config(self.cfg))
        self.log(f"[calibrate] temperature {res['temperature']:.3f}: validation NLL {res['nll_before']:.4f} -> "
                 f"{res['nll_after']:.4f}, ECE8 {frac(res['ece8_before'])} -> {frac(res['ece8_after'])}")
        return res

    def fit_structured(self) -> dict:
        """Fit the best model's CRF reconstruction (``seqgsn.chain.crf_fit``) on the validation chains
        and rewrite model.pt with it. Idempotent: the fit restarts from T = 0, s = 1."""
        d = read_dict(self.run_dir / "model.pt")
        model = SeqGSN(self.cfg.model)
        _load_walkback(model, d["state_dict"], self.run_dir / "model.pt")
        examples = self.val_ex
        if not examples:
            self.log("[pairwise] no validation chains: fitting on the training chains "
                     "(their unaries are overconfident, so the pairwise terms come out weaker)")
            examples = self.train_ex
        train_cfg = self.cfg.train
        tick = time.time()
        res = fit_pairwise(model, examples, self.cfg.chain, iters=train_cfg.pairwise_iters,
                           lr=train_cfg.pairwise_lr, matched_iters=train_cfg.pairwise_matched_iters,
                           val_samples=train_cfg.pairwise_val_samples, seed=train_cfg.seed, log=self.log)
        res["minutes"] = round((time.time() - tick) / 60, 2)
        metrics = dict(d.get("metrics") or {})
        metrics["pairwise"] = res
        save_model(self.run_dir / "model.pt", model, self.cfg, metrics=metrics, meta=d.get("meta"))
        return res

    # ------------------------------------------------------------------ loop
    def fit(self, resume: bool = False) -> dict:
        train_cfg = self.cfg.train
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.meta = {**self.meta, "trained_with": {"device": str(self.device), "precision": self.precision,
                                                   "processes": self.dist.world}}
        if resume:              # first: a refused resume must leave the run's own config.yaml as it was
            self.load_state()
            self.log(f"[train] resumed at epoch {self.epoch} step {self.step_in_epoch} "
                     f"(global {self.global_step})")
        if self.dist.is_main:
            with atomic_write(self.run_dir / "config.yaml") as fh:
                fh.write(dump_config(self.cfg))
        self.model.train()
        gen = torch.Generator()
        start = time.time() - self.elapsed
        # live line on a terminal only: elsewhere the "[train] ... ETA" log lines are the periodic report
        bar = Progress("train", self.total_steps, "steps", initial=self.global_step,
                       quiet=not self.progress or not self.dist.is_main
                       or not getattr(sys.stderr, "isatty", lambda: False)())
        try:
            stop_reason = self._epochs(train_cfg, gen, start, bar)
        finally:
            bar.close()
        write_digest(self.dist, self.model)
        best_row = next((r for r in self.history if r.get("epoch") == self.best_epoch), {})
        summary = {"best_epoch": self.best_epoch, "best_val_q8": best_row.get("val_q8"),
                   "selected_on": selection_metric(best_row) if best_row else None, "epochs_run": self.epoch,
                   "global_step": self.global_step, "minutes": round(self.elapsed / 60, 2), "stop": stop_reason,
                   "best_metrics": best_row}
        self.dist.barrier()
        if not self.dist.is_main:                  # the post-walkback stages run on rank 0 alone
            return summary
        have_model = (self.run_dir / "model.pt").exists()
        if self.cfg.train.calibrate and have_model:
            summary["calibration"] = self.fit_calibration()
        if self.cfg.model.label_pairwise and have_model:
            if resume and self._stage_done(CRF_KEYS, "pairwise"):
                self.log("[pairwise] model.pt already has a CRF fitted with these settings: kept")
                summary["pairwise"] = read_dict(self.run_dir / "model.pt")["metrics"]["pairwise"]
            else:
                summary["pairwise"] = self.fit_structured()
        val = (f"validation Q8 {pct(best_row['val_q8'])}, Q3 {pct(best_row['val_q3'])}, selected on "
               f"{selection_metric(best_row)}" if "val_q8" in best_row else "no validation chains")
        self.log(f"[train] done: best epoch {self.best_epoch} ({val}); model "
                 f"{self.run_dir / 'model.pt' if have_model else 'not written'}")
        return summary

    def _epochs(self, train_cfg, gen, start, bar) -> str:
        """The walkback loop; returns why it stopped."""
        stop_reason = "epochs"
        while self.epoch < train_cfg.epochs:
            if train_cfg.max_steps and self.global_step >= train_cfg.max_steps:
                return "step budget"                   # a resumed run that had already spent it
            rng = np.random.default_rng([train_cfg.seed, self.epoch])
            batches = list(iterate_batches(self.all_examples(), train_cfg.batch_residues,
                                           self.cfg.data.max_train_len, rng))
            tick, res_count, run_loss, run_unsup = time.time(), 0, [], []
            n_steps = self.dist.steps(len(batches))       # one batch per rank per step (distributed.py)
            for si in range(self.step_in_epoch, n_steps):
                bi = self.dist.batch_index(si)
                batch = batches[bi] if bi < len(batches) else None
                parts = self.train_step(batch, gen, self.global_step, self.dist.batches_in_step(si, len(batches)))
                self.global_step += 1
                self.step_in_epoch = si + 1
                if batch is not None:
                    res_count += int(batch["mask"].sum())
                    run_loss.append(parts["sup"])
                    run_unsup.append(parts.get("unsup", float("nan")))
                bar.set_postfix(f"epoch {self.epoch + 1}/{train_cfg.epochs}, loss {parts['sup']:.3f}")
                bar.update(1)
                if train_cfg.log_every and self.global_step % train_cfg.log_every == 0:
                    rate = res_count / max(time.time() - tick, 1e-9)
                    self.log(f"[train] epoch {self.epoch + 1}/{train_cfg.epochs} step {si + 1}/{n_steps} "
                             f"loss {finite_mean(run_loss[-train_cfg.log_every:]):.4f} "
                             + " ".join(f"{k} {v:.4f}" for k, v in parts.items())
                             + f" lr {self.lr_at(self.global_step):.2e} {rate:,.0f} res/s, walkback ETA "
                             + fmt_seconds(bar.eta() or 0)
                             + (f" (rank 0 of {self.dist.world})" if self.dist.world > 1 else ""))
                if train_cfg.checkpoint_every and self.global_step % train_cfg.checkpoint_every == 0:
                    self.elapsed = time.time() - start
                    self.save_state()
                if train_cfg.max_minutes and self.dist.any(time.time() - start > 60 * train_cfg.max_minutes):
                    stop_reason = "time budget"
                    break
                if train_cfg.max_steps and self.global_step >= train_cfg.max_steps:
                    stop_reason = "step budget"        # every rank counts the same steps: no reduction
                    break
            if stop_reason == "time budget" and self.step_in_epoch < n_steps:
                self.elapsed = time.time() - start
                self.save_state()
                break
            self.epoch += 1
            self.step_in_epoch = 0
            self.elapsed = time.time() - start
            fin, fin_x = np.isfinite(run_loss), np.isfinite(run_unsup)
            loss_sum, n_loss, x_sum, n_x = self.dist.sum_floats(
                [float(np.sum(np.asarray(run_loss)[fin])), float(fin.sum()),
                 float(np.sum(np.asarray(run_unsup)[fin_x])), float(fin_x.sum())], self.device)
            res_all = self.dist.sum_ints([res_count], self.device)[0]
            row = {"epoch": self.epoch, "global_step": self.global_step, "train_loss": loss_sum / max(n_loss, 1),
                   "minutes": round(self.elapsed / 60, 2), "train_res_per_s": res_all / max(time.time() - tick, 1e-9)}
            if n_x:                       # hybrid: the x-term's epoch mean beside the supervised one
                row["train_unsup"] = x_sum / n_x
            row.update(self.validate())
            self.history.append(row)
            if self.dist.is_main:
                with open(self.run_dir / "metrics.jsonl", "a") as fh:
                    fh.write(json.dumps(row) + "\n")
            self.log(epoch_line(row, train_cfg.epochs))
            score = selection_score(row)
            if score > self.best:
                self.best, self.best_epoch, self.bad_epochs = score, self.epoch, 0
                if self.dist.is_main:
                    save_model(self.run_dir / "model.pt", self.model, self.cfg,
                               metrics={k: v for k, v in row.items()}, meta=self.meta)
            else:
                self.bad_epochs += 1
            self.save_state()
            if train_cfg.patience and self.bad_epochs >= train_cfg.patience:
                stop_reason = "early stopping"
                break
            if train_cfg.max_minutes and self.dist.any(self.elapsed > 60 * train_cfg.max_minutes):
                stop_reason = "time budget"
                break
            if stop_reason == "step budget":
                break
        return stop_reason
