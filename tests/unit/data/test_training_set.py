"""seqgsn.data.training_set: the filter/split cache is keyed by content, not by file times."""
import os
import shutil

from seqgsn.config import DataConfig
from seqgsn.data.training_set import _fingerprint, build_train_data

RECORDS = [("a", "MKTAYIAKQRQISFVKSHFSRQLEERLG", "CCHHHHHHHHHHHHCCCEEEEECCTTCC"),
           ("b", "GSHMLEDPVAGKWVLSTEEAIRQLAKDG", "CCCCCSSCCCEEEEEHHHHHHHHHHHCC"),
           ("c", "PEIVRLLAEKGYEVHIVDTSGKTLAEVQ", "CHHHHHHHTTCEEEEEECTTSCEEEEEC")]


def _write(path, records):
    path.write_text("".join(f">{i}\n{s}\n{y}\n\n" for i, s, y in records))


def test_fingerprint_follows_content_not_mtime(tmp_path):
    f = tmp_path / "train.txt"
    _write(f, RECORDS)
    key = _fingerprint(f, "train.txt", [f])
    os.utime(f, (1, 1))                                   # same bytes, other times
    assert _fingerprint(f, "train.txt", [f]) == key
    g = tmp_path / "moved" / "train.txt"
    g.parent.mkdir()
    shutil.copy(f, g)                                     # same bytes elsewhere
    assert _fingerprint(g, "train.txt", [g]) == key
    _write(f, RECORDS[:2])
    assert _fingerprint(f, "train.txt", [g]) != key        # the first part changed
    assert _fingerprint(g, "train.txt", [f]) != key        # a Path inside a list counts by content too


def test_cached_corpus_survives_a_touch_and_not_an_edit(tmp_path):
    f = tmp_path / "train.txt"
    _write(f, RECORDS)
    cfg = DataConfig(train=(str(f),), train_formats=("three_line",), filter_against=(), val_fraction=0.0)

    def build():
        logs = []
        return build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append), "\n".join(logs)

    first, log = build()
    assert len(first.train) == 3 and "filter removed 0, kept 3" in log
    os.utime(f, (1, 1))
    again, log = build()
    assert "cached filter keeps 3" in log and [r.id for r in again.train] == ["a", "b", "c"]
    _write(f, RECORDS[:2])
    edited, log = build()
    assert "filter removed 0, kept 2" in log and [r.id for r in edited.train] == ["a", "b"]


def _family_corpora(tmp_path):
    """Two corpora: 12 chains in A, in B an identical or 97%-identical twin of each (other labels) + 12 others."""
    import numpy as np
    from tests.seqtools import mutate, random_protein
    rng = np.random.default_rng(11)
    base = [random_protein(rng, int(n)) for n in rng.integers(60, 120, 12)]
    a = [(f"a{i}", s, "H" * len(s)) for i, s in enumerate(base)]
    b = [(f"b{i}", s if i % 2 else mutate(rng, s, 0.03), "E" * len(s)) for i, s in enumerate(base)]
    b += [(f"c{i}", s, "C" * len(s)) for i, s in enumerate(random_protein(rng, 80) for _ in range(12))]
    _write(tmp_path / "a.txt", a)
    _write(tmp_path / "b.txt", b)
    return tmp_path / "a.txt", tmp_path / "b.txt"


def test_twins_merged_before_the_split_none_across_it(tmp_path):
    from seqgsn.data.redundancy.align import self_search
    fa, fb = _family_corpora(tmp_path)
    cfg = DataConfig(train=(str(fa), str(fb)), train_formats=("three_line", "three_line"), filter_against=(),
                     val_fraction=0.3, val_cluster_identity=0.5)
    logs = []
    td = build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    ids = sorted(r.id for r in td.train + td.val)
    assert ids == sorted([f"a{i}" for i in range(12)] + [f"c{i}" for i in range(12)])   # A listed first wins
    assert all(set(r.ss8) == {"H"} for r in td.train + td.val if r.id.startswith("a"))
    assert len(td.val) >= 5
    both = td.train + td.val
    hits = self_search([r.seq for r in both], identity=0.95, coverage=0.9)
    assert hits == []                                   # no twins left at all, so none across the split
    a, b = td.description["corpora"]
    assert (a["after_dedupe"], b["after_dedupe"]) == (12, 12)
    assert (b["identical_removed"], b["near_identical_removed"], b["removed_for"]) == (6, 6, {str(fa): 12})
    assert td.description["dedupe"]["kept"] == 24 and any("dedupe" in m for m in logs)
    # cached: same result, and the dedupe setting is part of the key
    again = build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    assert [r.id for r in again.val] == [r.id for r in td.val]
    from dataclasses import replace
    ident = build_train_data(replace(cfg, dedupe="identical"), seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    assert ident.description["dedupe"]["kept"] == 30
