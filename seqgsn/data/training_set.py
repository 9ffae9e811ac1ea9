"""Assemble a training run's data from a DataConfig: read, filter against test sets, merge twins, split.

Corpus entries are paths relative to the data root (``seqgsn.paths.data_root()``) or absolute,
optionally followed by reader options: ``flip_secondary_structure/splits.zip?split=train``.

1. Every corpus is filtered against ``filter_against`` (test sets; MMseqs2, see
   :mod:`seqgsn.data.redundancy.filter`); chains shorter than ``min_len`` are dropped.
2. Twins are merged across and within corpora (:mod:`seqgsn.data.redundancy.twins`): one copy of
   every group of identical chains, and with ``dedupe: near`` (default) of near-identical ones
   (identity >= ``dedupe_identity`` over >= ``dedupe_coverage`` of both chains). The copy kept
   has 8-state labels if any copy has them, then comes from the corpus listed first in
   ``train``. This happens BEFORE the split, so no validation chain has a twin in training.
3. ``max_chains`` keeps a seeded random subset (corpus order kept), then the validation split by clusters (``val_cluster_identity``).

The filtered corpora, the twin merge and the split are cached in ``cache_dir`` (keyed by file
contents and every setting they depend on) because they cost minutes of MMseqs2.
``TrainData.description`` (logged, and stored in the model file and run summary) records per
corpus: chains read, removed by the filter, kept (``kept_residues``), and after the merge (``after_dedupe``,
``identical_removed``, ``near_identical_removed``, ``removed_for``), plus ``dedupe`` totals.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import DataConfig
from ..errors import InvalidFileError
from ..io.atomic import atomic_write
from ..io.corpus import read_corpus
from ..io.digest import file_sha256, update_from_file
from ..io.store import load_corpus, save_corpus
from ..paths import data_root


@dataclass
class TrainData:
    train: list
    val: list
    unlabeled: list = field(default_factory=list)
    description: dict = field(default_factory=dict)


def parse_entry(entry: str):
    """'path?k=v&k2=v2' -> (Path, {k: v}).

    A relative path that does not exist is looked up under the data root; when it is not there
    either, the path stays as typed (so "not found" names what the user wrote)."""
    path, _, q = entry.partition("?")
    opts = dict(kv.split("=", 1) for kv in q.split("&") if kv) if q else {}
    p = Path(path)
    if not p.is_absolute() and not p.exists() and (data_root() / p).exists():
        p = data_root() / p
    return p, opts


def find_entry(entry: str):
    """:func:`parse_entry` of an entry that must exist -> (Path, {k: v}); InvalidFileError otherwise."""
    p, opts = parse_entry(str(entry))
    if not p.exists():           # a relative name: say both places looked in (a typo and a missing root look alike)
        where = "" if p.is_absolute() else (f", here or under the data root {data_root()} "
                                            "(set SEQGSN_DATA to move it)")
        raise InvalidFileError(f"no such file or folder{where}", file=p)
    return p, opts


def read_entry(entry: str, fmt: str = "") -> list:
    """The records of a corpus entry as every command names it ('path?k=v', here or under the data root)."""
    p, opts = find_entry(entry)
    return read_corpus(p, format=fmt or None, **opts)


def _digest(path: Path) -> str:
    """sha256 of a file's bytes, or of a folder's files (relative names and bytes, sorted).

    Content, not mtime: a data folder that is copied or re-mounted keeps its caches, and a
    file edited within the same second with the same size does not reuse a stale one.
    """
    if not path.is_dir():
        return file_sha256(path)
    h = hashlib.sha256()
    for f in sorted(f for f in path.rglob("*") if f.is_file()):
        h.update(str(f.relative_to(path)).encode() + b"\0")
        update_from_file(h, f)
    return h.hexdigest()


def _fingerprint(*parts) -> str:
    """Cache key of JSON-able parts; a Path (also inside a list) counts by its content."""
    def plain(p):
        if isinstance(p, Path) and p.exists():
            return {"content": _digest(p)}
        if isinstance(p, (list, tuple)):
            return [plain(x) for x in p]
        return p
    h = hashlib.sha256(json.dumps([plain(p) for p in parts], sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _write_json(path: Path, obj) -> None:
    # atomic: two runs sharing a cache folder may build the same entry at once
    with atomic_write(path) as f:
        json.dump(obj, f)


SMALL_SPLIT_PAIRS = 5_000       # up to 100 chains


def _filter(recs, tests, cfg: DataConfig, what: str, log: Callable, progress: bool):
    """filter_against with the stage announced: what, against what, with which MMseqs2 binary."""
    from ..progress import ticker
    from .redundancy import filter_against
    from .redundancy.mmseqs import describe_mmseqs, n_steps
    tool = describe_mmseqs()
    how = f"MMseqs2 {tool}" if tool != "not installed" else "Biopython alignments (MMseqs2 not installed)"
    log(f"[data] {what}: removing chains with identity >= {cfg.filter_identity:g} over >= "
        f"{cfg.filter_coverage:g} of either chain to any of {len(tests)} test chains, with {how} ...")
    with ticker(f"filter {what}", n_steps("both") if tool != "not installed" else None,
                quiet=not progress, announce=False) as t:
        return filter_against(recs, tests, identity=cfg.filter_identity, coverage=cfg.filter_coverage,
                              progress=t)


def _filtered_corpus(entry: str, fmt: str, cfg: DataConfig, tests: list, against: list,
                     cache_dir: Path, log: Callable, progress: bool = False):
    """(kept records, info dict, cache key) of one corpus after the test-set filter (cached)."""
    p, _ = parse_entry(entry)
    key = _fingerprint(p, entry, fmt, list(cfg.filter_against), against,
                       cfg.filter_identity, cfg.filter_coverage, "v2")
    cached = cache_dir / f"filtered-{key}.sgc"
    info_path = cached.with_suffix(".json")
    if cached.exists() and info_path.exists():
        kept = load_corpus(cached)
        info = json.loads(info_path.read_text())
        log(f"[data] {entry}: {info['chains']} chains, cached filter keeps {len(kept)}")
        return kept, info, key
    recs = read_entry(entry, fmt)
    if tests:
        res = _filter(recs, tests, cfg, f"{entry} ({len(recs)} chains)", log, progress)
        kept = res.kept
        info = {"entry": entry, "chains": len(recs), "removed": len(res.removed),
                "kept": len(kept), "method": res.method, "seconds": round(res.seconds, 1)}
    else:
        kept, info = recs, {"entry": entry, "chains": len(recs), "removed": 0, "kept": len(recs)}
    save_corpus(kept, cached)
    _write_json(info_path, info)
    log(f"[data] {entry}: {len(recs)} chains, filter removed {info['removed']}, kept {len(kept)}")
    return kept, info, key


def _merged(filtered: list, keys: list, cfg: DataConfig, cache_dir: Path, log: Callable):
    """Per-corpus chains left after merging twins (:mod:`seqgsn.data.redundancy.twins`), and the report (cached)."""
    from .redundancy.twins import twin_plan

    key = _fingerprint(keys, cfg.min_len, cfg.dedupe, cfg.dedupe_identity, cfg.dedupe_coverage,
                       list(cfg.train), "twins-v1", *([cfg.dedupe_prefer] if cfg.dedupe_prefer != "8-state" else []))
    path = cache_dir / f"dedupe-{key}.json"
    if path.exists():
        d = json.loads(path.read_text())
        keep, report = d["keep"], d["report"]
    else:
        if len(filtered) > 1 or cfg.dedupe == "near":
            log(f"[data] merging identical{' and near-identical' if cfg.dedupe == 'near' else ''} chains "
                f"across {len(filtered)} corpora ...")
        keep, report = twin_plan(filtered, list(cfg.train), identity=cfg.dedupe_identity,
                                 coverage=cfg.dedupe_coverage, near=cfg.dedupe == "near", prefer=cfg.dedupe_prefer)
        _write_json(path, {"keep": keep, "report": report})
    merged = [[chains[i] for i in k] for chains, k in zip(filtered, keep)]
    log(f"[data] dedupe ({report['method']}): {report['input']} chains -> {report['kept']} "
        f"({report['identical_removed']} identical, {report['near_identical_removed']} near-identical removed"
        + "".join(f"; {c['entry']}: {c['kept']} kept" for c in report["corpora"]) + ")")
    return merged, report


def _split(kept_all: list, cfg: DataConfig, seed: int, cache_dir: Path, log: Callable = print,
           progress: bool = False):
    """(train, val): a cluster split of ``kept_all`` (cached by position; ids may repeat across corpora)."""
    from .redundancy import split_by_cluster

    if cfg.val_fraction <= 0:
        return kept_all, []
    key = _fingerprint([(r.id, r.seq) for r in kept_all], cfg.val_fraction, seed,
                       cfg.val_cluster_identity, cfg.dedupe, cfg.dedupe_identity, cfg.dedupe_coverage,
                       "split-v2")
    split_file = cache_dir / f"split-{key}.json"
    if split_file.exists():
        in_val = set(json.loads(split_file.read_text())["val_index"])
    else:
        n = len(kept_all)
        # a tiny corpus (a user's first try): Biopython in a second beats MMseqs2's start-up costs
        method = "align" if n * (n - 1) // 2 <= SMALL_SPLIT_PAIRS else "auto"
        from ..progress import ticker
        from .redundancy.mmseqs import describe_mmseqs
        how = "Biopython alignments" if method == "align" or describe_mmseqs() == "not installed" \
            else f"MMseqs2 {describe_mmseqs()}"
        log(f"[data] validation split: clustering {n} chains at {cfg.val_cluster_identity:g} identity "
            f"with {how}, {cfg.val_fraction:g} of them to validation ...")
        with ticker("validation split", quiet=not progress, announce=False):
            _, val = split_by_cluster(kept_all, val_fraction=cfg.val_fraction, seed=seed,
                                      identity=cfg.val_cluster_identity, method=method)
        val_ids = {id(r) for r in val}
        in_val = {i for i, r in enumerate(kept_all) if id(r) in val_ids}
        _write_json(split_file, {"val": [kept_all[i].id for i in sorted(in_val)], "val_index": sorted(in_val)})
    return ([r for i, r in enumerate(kept_all) if i not in in_val],
            [r for i, r in enumerate(kept_all) if i in in_val])


def build_train_data(cfg: DataConfig, seed: int, cache_dir: Path, log: Callable = print,
                     progress: bool = False) -> TrainData:
    """Read, filter, merge twins, split: see the module docstring. progress: live lines on stderr
    for the filter and split stages (``seqgsn.progress``)."""

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tests = []
    for t in cfg.filter_against:
        tests.extend(read_entry(t))
    desc = {"corpora": [], "filter_against": list(cfg.filter_against),
            "filter_identity": cfg.filter_identity, "filter_coverage": cfg.filter_coverage,
            # a label recorded in model files (kept byte-identical across the layout move), not an import path
            "filter_tool": "MMseqs2 (seqgsn.data.redundancy.filter_against)", "test_chains": len(tests)}
    against = [parse_entry(t)[0] for t in cfg.filter_against]
    filtered, keys = [], []
    for i, entry in enumerate(cfg.train):
        fmt = cfg.train_formats[i] if i < len(cfg.train_formats) else ""
        kept, info, key = _filtered_corpus(entry, fmt, cfg, tests, against, cache_dir, log, progress)
        info["kept_residues"] = sum(len(r.seq) for r in kept)
        desc["corpora"].append(info)
        filtered.append([r for r in kept if len(r.seq) >= cfg.min_len])
        keys.append(key)
    merged, report = _merged(filtered, keys, cfg, cache_dir, log)
    for info, chains, rep in zip(desc["corpora"], merged, report["corpora"]):
        info.update(after_min_len=rep["chains"], after_dedupe=len(chains),
                    after_dedupe_residues=sum(len(r.seq) for r in chains),
                    identical_removed=rep["identical_removed"],
                    near_identical_removed=rep["near_identical_removed"], removed_for=rep["removed_for"])
    desc["dedupe"] = {k: v for k, v in report.items() if k != "corpora"}
    kept_all = [r for chains in merged for r in chains]
    if cfg.max_chains and len(kept_all) > cfg.max_chains:
        # a seeded random subset, in corpus order: the first N in file order would take every chain from the
        # first corpus and none from the others
        pick = np.random.default_rng([seed, 1]).choice(len(kept_all), cfg.max_chains, replace=False)
        log(f"[data] max_chains {cfg.max_chains}: a seeded random {cfg.max_chains} of the {len(kept_all)} chains "
            "kept after the filter")
        desc["max_chains"] = {"used": cfg.max_chains, "of": len(kept_all)}
        kept_all = [kept_all[i] for i in sorted(pick)]
    train, val = _split(kept_all, cfg, seed, cache_dir, log, progress)
    unl = []
    for entry in cfg.unlabeled:
        u = read_entry(entry)
        if tests:
            u = _filter(u, tests, cfg, f"{entry} ({len(u)} unlabelled chains)", log, progress).kept
        for r in u:
            r.ss8, r.ss3, r.mask = None, None, None
        unl.extend(u)
    if cfg.max_unlabeled and len(unl) > cfg.max_unlabeled:
        pick = np.random.default_rng(seed).choice(len(unl), cfg.max_unlabeled, replace=False)
        unl = [unl[i] for i in sorted(pick)]
    desc.update(train_chains=len(train), val_chains=len(val), unlabeled_chains=len(unl),
                train_residues=sum(len(r.seq) for r in train), val_residues=sum(len(r.seq) for r in val))
    log(f"[data] train {len(train)} chains / {desc['train_residues']} residues; val {len(val)} chains; "
        f"unlabeled {len(unl)}")
    return TrainData(train, val, unl, desc)
