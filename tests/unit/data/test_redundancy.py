"""seqgsn.data.redundancy: test-set filtering, deduplication, clustering, cluster-aware split.

Sequences are made here: a random protein and copies with a known fraction of
substituted positions (identity of the ungapped full-length alignment = 1 - p).
"""
from __future__ import annotations

import numpy as np
import pytest

from seqgsn.errors import ConfigError, InvalidFileError, ToolNotFoundError
from seqgsn.records import LabeledRecord
from seqgsn.data.redundancy import (Hit, cluster, cluster_indices, dedupe, filter_against,
                               split_by_cluster)
from seqgsn.data.redundancy import align as align_mod
from seqgsn.data.redundancy import filter as filter_mod
from seqgsn.data.redundancy import mmseqs as mmseqs_mod
from tests.seqtools import mutate, random_protein

from tests.conftest import require_tool

METHODS = ["align", "mmseqs"]




def rec(rid, seq, ss8=None, mask=None):
    return LabeledRecord(rid, seq, ss8=ss8, mask=None if mask is None else np.asarray(mask, bool))


@pytest.fixture(scope="module")
def family():
    """Test chain ``base`` (200 aa) and training chains at known relations to it."""
    rng = np.random.default_rng(7)
    base = random_protein(rng, 200)
    frag = base[60:120]                                   # 60 aa, 30% of base
    train = [
        rec("id80", mutate(rng, base, 0.20)),            # 80% identical, full length
        rec("id45", mutate(rng, base, 0.55)),            # 45% identical, full length
        rec("unrelated", random_protein(rng, 180)),
        rec("fragment", frag),                            # covers 100% of itself, 30% of base
        rec("buried", random_protein(rng, 100) + frag + random_protein(rng, 100)),  # 23% / 30%
    ]
    tests = [rec("base", base), rec("other_test", random_protein(rng, 150))]
    return base, frag, train, tests


# ---------------------------------------------------------------- filter_against
# MMseqs2 costs a few seconds per run (k-mer index set-up), so the real runs are
# few and shared: one filter and one clustering per module.


@pytest.fixture(scope="module")
def combined(family):
    """Training chains at known relations to the two test chains, and the expected outcome."""
    base, frag, train, tests = family
    rng = np.random.default_rng(5)
    base2 = random_protein(rng, 200)
    train = train[:4] + [rec("full2", base2)]              # test 'frag2' covers 30% of it
    tests = tests + [rec("frag2", base2[100:160])]
    return train, tests


def check_combined(res, train):
    """identity >= 0.4, coverage >= 0.5 of either chain."""
    assert res.removed_ids == ["id80", "id45", "fragment", "full2"]
    assert [r.id for r in res.kept] == ["unrelated"]
    by = {d["train_id"]: d for d in res.removed}
    assert by["id80"]["test_id"] == "base" and 0.75 <= by["id80"]["identity"] <= 0.85
    assert 0.40 <= by["id45"]["identity"] <= 0.5
    assert by["id80"]["train_coverage"] > 0.9 and by["id80"]["evalue"] < 1e-20
    # Coverage of either side: the training chain is the short one ...
    assert by["fragment"]["train_coverage"] == pytest.approx(1.0)
    assert by["fragment"]["test_coverage"] == pytest.approx(0.3, abs=0.02)
    # ... or the test chain is.
    assert by["full2"]["test_id"] == "frag2"
    assert by["full2"]["test_coverage"] == pytest.approx(1.0)
    assert by["full2"]["train_coverage"] == pytest.approx(0.3, abs=0.02)
    assert [d["train_index"] for d in res.removed] == [0, 1, 3, 4]


def test_filter_align_fallback(combined):
    train, tests = combined
    res = filter_against(train, tests, identity=0.4, coverage=0.5, method="align")
    assert res.method == "align"
    check_combined(res, train)
    # Raising the identity bar keeps the 45% copy.
    res = filter_against(train, tests, identity=0.6, coverage=0.5, method="align")
    assert res.removed_ids == ["id80", "fragment", "full2"]


@pytest.mark.slow
@pytest.mark.usefixtures("needs_mmseqs")
def test_filter_mmseqs(combined):
    train, tests = combined
    res = filter_against(train, tests, identity=0.4, coverage=0.5, method="mmseqs")
    assert res.method == "mmseqs" and res.params["prefilter"] == "both"
    check_combined(res, train)


@pytest.mark.slow
@pytest.mark.usefixtures("needs_mmseqs")
def test_mmseqs_swapped_prefilter_finds_the_same_pairs(combined):
    """'target' prefilter (targets look up queries, results swapped back) on clear cases."""
    train, tests = combined
    hits = mmseqs_mod.search([r.seq for r in train], [r.seq for r in tests], prefilter="target")
    strong = {(h.qi, h.ti) for h in hits if h.evalue < 1e-5}
    assert strong == {(0, 0), (1, 0), (3, 0), (4, 2)}


def test_filter_coverage_neither_side_is_kept(family):
    """A 60-aa segment embedded in 100-aa random flanks on both sides: 23% / 30% covered."""
    base, frag, _, _ = family
    rng = np.random.default_rng(9)
    buried = rec("buried", random_protein(rng, 100) + frag + random_protein(rng, 100))
    res = filter_against([buried], [rec("base", base)], identity=0.9, coverage=0.35,
                         method="align")
    assert res.removed == []
    res = filter_against([buried], [rec("base", base)], identity=0.9, coverage=0.25,
                         method="align")
    assert res.removed_ids == ["buried"]
    assert res.removed[0]["train_coverage"] == pytest.approx(60 / 260, abs=1e-4)


def test_prefilter_option_reaches_mmseqs(monkeypatch, combined):
    train, tests = combined
    seen = []

    def fake(queries, targets, **kw):
        seen.append(kw["prefilter"])
        return []
    monkeypatch.setattr(mmseqs_mod, "find_mmseqs", lambda: "/usr/bin/mmseqs")
    monkeypatch.setattr(filter_mod.mmseqs, "search", fake)
    for p in ("both", "train", "test"):
        assert filter_against(train, tests, method="auto", prefilter=p).method == "mmseqs"
    assert seen == ["both", "query", "target"]


def _fake_search(hits):
    def search(queries, targets, **kw):
        return hits
    return search


def test_filter_rule_is_inclusive_and_either_coverage(monkeypatch):
    """The rule itself, on hits given directly: >= thresholds, max(qcov, tcov), e-value."""
    train = [rec(f"t{i}", "ACDEFGHIK") for i in range(6)]
    tests = [rec("x", "ACDEFGHIK"), rec("y", "ACDEFGHIK")]
    hits = [Hit(0, 0, 0.25, 0.5, 0.1, 1e-5, 50),       # exactly at both thresholds: removed
            Hit(1, 0, 0.2499, 0.9, 0.9, 1e-5, 50),     # identity just below: kept
            Hit(2, 1, 0.9, 0.1, 0.5, 1e-5, 50),        # only the test side covered: removed
            Hit(3, 1, 0.9, 0.49, 0.49, 1e-5, 50),      # neither side reaches 0.5: kept
            Hit(4, 0, 0.9, 0.9, 0.9, 11.0, 50),        # e-value above the cut: kept
            Hit(5, 0, 0.3, 0.6, 0.6, 1.0, 50), Hit(5, 1, 0.5, 0.6, 0.6, 2.0, 50)]
    monkeypatch.setattr(filter_mod.align, "search", _fake_search(hits))
    res = filter_against(train, tests, identity=0.25, coverage=0.5, method="align")
    assert res.removed_ids == ["t0", "t2", "t5"]
    assert [r.id for r in res.kept] == ["t1", "t3", "t4"]
    assert res.removed_records == [train[0], train[2], train[5]]
    last = res.removed[2]
    assert (last["test_id"], last["identity"], last["n_test_hits"]) == ("y", 0.5, 2)
    assert res.n_hits == len(hits)
    res = filter_against(train, tests, method="align", evalue=0.5)
    assert res.removed_ids == ["t0", "t2"]


def test_filter_unlabelled_duplicate_ids_and_empty_inputs(family):
    base, _, _, tests = family
    train = [rec("same", base), rec("same", "MKV" * 30)]   # ids need not be unique here
    res = filter_against(train, tests, method="align")
    assert [d["train_index"] for d in res.removed] == [0]
    assert res.kept == [train[1]]
    assert filter_against([], tests, method="align").kept == []
    assert filter_against(train, [], method="align").kept == train
    s = res.summary()
    assert (s["input"], s["kept"], s["removed"], s["method"]) == (2, 1, 1, "align")


def test_filter_bad_parameters():
    with pytest.raises(ConfigError, match="identity"):
        filter_against([], [], identity=1.5)
    with pytest.raises(ConfigError, match="coverage"):
        filter_against([], [], coverage=-0.1)
    with pytest.raises(ConfigError, match="method"):
        filter_against([], [], method="blast")
    with pytest.raises(ConfigError, match="prefilter"):
        filter_against([], [], prefilter="sideways")


def test_auto_falls_back_to_align_and_refuses_huge_sets(monkeypatch, family):
    _, _, train, tests = family
    monkeypatch.setattr(mmseqs_mod, "find_mmseqs", lambda: None)
    res = filter_against(train[:3], tests, identity=0.6, method="auto")
    assert res.method == "align" and res.removed_ids == ["id80"]
    with pytest.raises(ToolNotFoundError, match="apt install mmseqs2"):
        filter_against(train, tests, method="auto", max_pairs=5)     # 10 pairs > 5
    with pytest.raises(ToolNotFoundError, match="apt install mmseqs2"):
        cluster(train, method="align", max_pairs=3)                  # 10 pairs > 3
    with pytest.raises(ToolNotFoundError, match="mmseqs"):
        filter_against(train, tests, method="mmseqs")


# ---------------------------------------------------------------- align fallback


def test_align_hit_measures(family):
    base, frag, _, _ = family
    rng = np.random.default_rng(3)
    mut = mutate(rng, base, 0.3)
    (h,) = align_mod.search([mut], [base], evalue=1e-3)
    assert h.identity == pytest.approx(0.7, abs=0.03)
    (h,) = align_mod.search([frag], [base])
    assert (h.identity, h.qcov, h.alnlen) == (1.0, 1.0, 60)
    assert h.tcov == pytest.approx(0.3)
    # Lower case and non-standard letters are accepted (U, O, J -> X).
    assert align_mod.search([frag.lower()], [base.replace("A", "U")], evalue=1e-3)
    # E-value = K m N exp(-lambda S) is monotone in S and matches min_score.
    cut = align_mod.min_score(100, 10_000, 10.0)
    assert align_mod.evalue_of(cut, 100, 10_000) == pytest.approx(10.0)


# ---------------------------------------------------------------- dedupe


def test_dedupe_identical_and_conflicting_labels():
    s = "MKTAYIAKQR"
    recs = [rec("a", s, "HHHHEEEECC"), rec("b", s.lower(), "HHHHEEEECC"),      # same labels
            rec("c", s, "HHHHEEEETT"),                                          # 2 positions
            rec("d", "GGGGSSSSCC", "CCCCCCCCCC"),
            rec("e", "GGGGSSSSCC", "CCCCCCCCHH", mask=[1] * 8 + [0, 0])]        # masked away
    unique, rep = dedupe(recs)
    assert [r.id for r in unique] == ["a", "d"]
    assert rep["policy"] == "first" and rep["input"] == 5 and rep["unique"] == 2
    assert rep["removed"] == 3 and rep["duplicate_groups"] == 2
    assert rep["duplicates"] == [{"id": "b", "same_as": "a"}, {"id": "e", "same_as": "d"}]
    assert rep["conflicts"] == [{"ids": ["a", "c"], "label": "ss8", "differing_positions": 2,
                                 "compared_positions": 10}]
    unique, rep = dedupe(recs, conflicts="drop")
    assert [r.id for r in unique] == ["d"]
    assert rep["dropped_for_conflict"] == ["a", "b", "c"]


def test_dedupe_unlabelled_and_three_state():
    unique, rep = dedupe([rec("x", "ACDE"), rec("y", "ACDE"), rec("z", "ACDF")])
    assert [r.id for r in unique] == ["x", "z"] and rep["conflicts"] == []
    a = LabeledRecord("p", "ACDE", ss3="HHEC")
    b = LabeledRecord("q", "ACDE", ss3="HHCC")
    _, rep = dedupe([a, b])
    assert rep["conflicts"][0]["label"] == "ss3"
    assert rep["conflicts"][0]["differing_positions"] == 1
    with pytest.raises(ConfigError):
        dedupe([], conflicts="vote")


# ---------------------------------------------------------------- cluster / split


@pytest.fixture(scope="module")
def families():
    """4 families of 5 chains (90% identical to a root, ~81% to each other) + 6 singletons."""
    rng = np.random.default_rng(11)
    recs, fam = [], {}
    for f in range(4):
        root = random_protein(rng, 120)
        for k in range(5):
            rid = f"f{f}_{k}"
            recs.append(rec(rid, mutate(rng, root, 0.1)))
            fam[rid] = f"f{f}"
    for k in range(6):
        recs.append(rec(f"s{k}", random_protein(rng, 90 + 5 * k)))
        fam[f"s{k}"] = f"s{k}"
    order = rng.permutation(len(recs))
    return [recs[i] for i in order], fam


@pytest.fixture(scope="module", params=METHODS)
def clustered(request, families):
    if request.param == "mmseqs":
        require_tool("mmseqs")
    recs, _ = families
    return request.param, cluster(recs, identity=0.5, coverage=0.8, method=request.param)


@pytest.mark.slow
def test_cluster_groups_families(families, clustered):
    recs, fam = families
    _, cl = clustered
    assert set(cl) == {r.id for r in recs}
    for a in recs:
        for b in recs:
            assert (cl[a.id] == cl[b.id]) == (fam[a.id] == fam[b.id]), (a.id, b.id)
    assert all(cl[cl[r.id]] == cl[r.id] for r in recs)     # cluster id = its representative


def test_cluster_needs_unique_ids():
    with pytest.raises(InvalidFileError, match="duplicate record id"):
        cluster([rec("a", "ACDEFG"), rec("a", "GHIKLM")], method="align")


@pytest.mark.slow
def test_split_keeps_clusters_together(families, clustered):
    recs, fam = families
    _, cl = clustered
    train, val = split_by_cluster(recs, val_fraction=0.25, seed=1, clusters=cl)
    assert len(train) + len(val) == len(recs)
    assert {fam[r.id] for r in train}.isdisjoint({fam[r.id] for r in val})
    assert 1 <= len(val) <= round(0.25 * len(recs))
    pos = {id(r): i for i, r in enumerate(recs)}
    assert [pos[id(r)] for r in train] == sorted(pos[id(r)] for r in train)   # input order


def test_split_deterministic_and_options(families):
    recs, fam = families
    labels = cluster_indices(recs, identity=0.5, method="align")
    runs = [split_by_cluster(recs, val_fraction=0.3, seed=s, clusters=labels) for s in (0, 0, 5)]
    ids = [[r.id for r in val] for _, val in runs]
    assert ids[0] == ids[1] and all(ids)
    for train, val in runs:
        assert {fam[r.id] for r in train}.isdisjoint({fam[r.id] for r in val})
    # Same split whether clustering happens inside or labels are passed in.
    _, val = split_by_cluster(recs, val_fraction=0.3, seed=0, identity=0.5, method="align")
    assert [r.id for r in val] == ids[0]
    # A dict from cluster() works too and keeps families whole.
    cl = cluster(recs, identity=0.5, method="align")
    train, val = split_by_cluster(recs, val_fraction=0.3, seed=2, clusters=cl)
    assert {fam[r.id] for r in train}.isdisjoint({fam[r.id] for r in val})
    assert split_by_cluster(recs, val_fraction=0.0, clusters=labels) == (recs, [])
    with pytest.raises(ConfigError):
        split_by_cluster(recs, val_fraction=1.0, clusters=labels)


def test_split_seeds_differ_and_repeated_ids_ok():
    rng = np.random.default_rng(0)
    recs = [rec("dup", random_protein(rng, 60)) for _ in range(40)]   # 40 singletons, same id
    vals = {tuple(id(r) for r in split_by_cluster(recs, 0.1, seed=s, method="align")[1])
            for s in range(5)}
    assert len(vals) > 1                                   # the seed matters
    train, val = split_by_cluster(recs, 0.1, seed=0, method="align")
    assert len(val) == 4 and len(train) == 36


def test_split_when_no_cluster_fits():
    """Target 1 chain but every cluster has >= 2: the smallest cluster goes to val."""
    recs = [rec(f"r{i}", "ACDEFGHIKL") for i in range(4)] + [rec("x", "MMMMM"), rec("y", "MMMM")]
    labels = [0, 0, 0, 0, 5, 5]
    train, val = split_by_cluster(recs, val_fraction=0.01, clusters=labels)
    assert [r.id for r in val] == ["x", "y"] and len(train) == 4
    one = [rec("a", "ACDE"), rec("b", "ACDE")]
    assert split_by_cluster(one, 0.5, clusters=[0, 0]) == (one, [])   # never all in val
