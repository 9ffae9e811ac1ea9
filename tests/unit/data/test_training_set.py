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
    logs = []
    first = build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    assert len(first.train) == 3 and "filter removed 0, kept 3" in logs[0]
    os.utime(f, (1, 1))
    again = build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    assert "cached filter keeps 3" in logs[2] and [r.id for r in again.train] == ["a", "b", "c"]
    _write(f, RECORDS[:2])
    edited = build_train_data(cfg, seed=0, cache_dir=tmp_path / "cache", log=logs.append)
    assert "filter removed 0, kept 2" in logs[4] and [r.id for r in edited.train] == ["a", "b"]
