"""seqgsn.data.redundancy.twins: which copies survive, whose labels win, what is counted."""
import numpy as np
import pytest

from seqgsn.data.redundancy.align import self_search
from seqgsn.data.redundancy.twins import merge_twins, twin_plan
from seqgsn.records import LabeledRecord
from tests.conftest import require_tool
from tests.seqtools import mutate, random_protein

METHODS = ["align", "mmseqs"]


def rec(rid, seq, ss8=None, ss3=None):
    return LabeledRecord(rid, seq, ss8=ss8, ss3=ss3)


@pytest.fixture(scope="module")
def two_corpora():
    """Corpus A (trusted, listed first) and B, built from sequences of known identity."""
    rng = np.random.default_rng(7)
    p, q, s, u, v, w = (random_protein(rng, n) for n in (140, 160, 120, 150, 130, 110))
    near_p = mutate(rng, p, 0.03)                      # 97% identical over the full length
    far_v = mutate(rng, v, 0.30)                       # 70%: a homolog, not a twin
    a = [rec("a_p", p, "H" * len(p)),                  # 8-state; near twin of b_p
         rec("a_q", q, "E" * len(q)),                  # 8-state; identical to b_q (8-state): A listed first wins
         rec("a_s", s, ss3="C" * len(s)),              # 3-state only; identical to b_s (8-state): b_s wins
         rec("a_u", u, "G" * len(u)),
         rec("a_u2", u, "T" * len(u))]                 # identical within A: the earlier a_u wins
    b = [rec("b_p", near_p, "C" * len(p)),
         rec("b_q", q.lower(), "B" * len(q)),
         rec("b_s", s, "S" * len(s)),
         rec("b_v", v, "H" * len(v)),
         rec("b_fv", far_v, "E" * len(v)),
         rec("b_w", w, "T" * len(w))]
    return a, b


@pytest.mark.parametrize("method", METHODS)
def test_survivors_and_winning_labels(two_corpora, method):
    if method == "mmseqs":
        require_tool("mmseqs")
    kept, rep = merge_twins(two_corpora, ["A", "B"], method=method)
    assert [r.id for r in kept[0]] == ["a_p", "a_q", "a_u"]
    assert [r.id for r in kept[1]] == ["b_s", "b_v", "b_fv", "b_w"]
    assert kept[1][0].ss8 == "S" * 120                 # the 8-state copy's labels, not a_s's 3-state ones
    assert rep["method"] == method and rep["input"] == 11 and rep["kept"] == 7
    assert (rep["identical_removed"], rep["near_identical_removed"]) == (3, 1)
    a, b = rep["corpora"]
    assert (a["chains"], a["kept"], a["identical_removed"], a["near_identical_removed"]) == (5, 3, 2, 0)
    assert a["removed_for"] == {"B": 1, "A": 1}
    assert (b["chains"], b["kept"], b["identical_removed"], b["near_identical_removed"]) == (6, 4, 1, 1)
    assert b["removed_for"] == {"A": 2}
    # identical copies compared on their labels: b_q (all B) vs a_q (all E), a_u2 vs a_u, a_s vs b_s (3-state C = C)
    assert rep["identical_label_agreement"] == {"compared": 160 + 150 + 120, "differing": 160 + 150}


def test_identical_only_keeps_near_twins(two_corpora):
    keep, rep = twin_plan(two_corpora, near=False)
    assert keep == [[0, 1, 3], [0, 2, 3, 4, 5]]
    assert rep["method"] == "exact" and rep["near_identical_removed"] == 0
    assert [c["entry"] for c in rep["corpora"]] == ["corpus1", "corpus2"]


def test_twins_join_transitively():
    rng = np.random.default_rng(3)
    x = random_protein(rng, 200)
    y = mutate(rng, x, 0.04)
    z = mutate(rng, y, 0.04)                           # x~y and y~z at 96%; x, z about 92%
    kept, rep = merge_twins([[rec("z", z, "H" * 200)], [rec("x", x, "E" * 200), rec("y", y, "C" * 200)]],
                            method="align")
    assert [[r.id for r in k] for k in kept] == [["z"], []]
    assert rep["near_identical_removed"] == 2


def test_length_rules_out_pairs_before_aligning():
    rng = np.random.default_rng(5)
    x = random_protein(rng, 100)
    # a 100-residue chain inside a 200-residue one: identical columns, but covers half the longer chain
    assert self_search([x, x + random_protein(rng, 100)], identity=0.95, coverage=0.9) == []
    (h,) = self_search([x, x[:98]], identity=0.95, coverage=0.9)
    assert (h.qi, h.ti, h.identity) == (0, 1, 1.0)


def test_too_many_pairs_without_mmseqs_says_how_to_skip(monkeypatch):
    from seqgsn.data.redundancy import mmseqs
    from seqgsn.data.redundancy.twins import near_pairs
    from seqgsn.errors import ToolNotFoundError
    monkeypatch.setattr(mmseqs, "find_mmseqs", lambda: None)
    seqs = [random_protein(np.random.default_rng(k), 50) for k in range(6)]
    with pytest.raises(ToolNotFoundError, match="dedupe: identical"):
        near_pairs(seqs, 0.95, 0.9, max_pairs=10)
    assert near_pairs(seqs, 0.95, 0.9)[0] == "align"


def test_order_preference_keeps_the_first_listed_copy_whatever_its_labels(two_corpora):
    kept, rep = merge_twins(two_corpora, ["A", "B"], method="align", prefer="order")
    ids = [[r.id for r in k] for k in kept]
    assert "a_s" in ids[0] and "b_s" not in ids[1]     # A's 3-state copy beats B's 8-state twin
    assert kept[0][ids[0].index("a_s")].ss8 is None and rep["rule"].startswith("one copy") and "whatever" in rep["rule"]
    default, _ = merge_twins(two_corpora, ["A", "B"], method="align")
    assert "b_s" in [r.id for r in default[1]]          # the default rule: 8-state labels first
