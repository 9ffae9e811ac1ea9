import itertools
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgsn.alphabet import SS8
from seqgsn.records import Prediction
from seqgsn.chain.segments import (MIN_LENGTH, decode, decode_argmax, decode_predictions, decode_segment,
                              log_score, min_length_violations, mode_of_samples)


def probs_from_seed(seed: int, L: int, conc: float = 0.5) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(8, conc), size=L)


@lru_cache(maxsize=None)
def valid_strings(L: int) -> tuple:
    return tuple("".join(t) for t in itertools.product(SS8, repeat=L)
                 if min_length_violations("".join(t)) == 0)


@st.composite
def valid_labels(draw, max_segments=8):
    """A label string whose every run respects the DSSP minimal lengths."""
    out, prev = "", None
    for _ in range(draw(st.integers(1, max_segments))):
        s = draw(st.sampled_from([c for c in SS8 if c != prev]))
        out += s * draw(st.integers(MIN_LENGTH[s], MIN_LENGTH[s] + 4))
        prev = s
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), L=st.integers(1, 60), conc=st.sampled_from([0.1, 0.5, 2.0]))
def test_segment_output_respects_min_lengths(seed, L, conc):
    p = probs_from_seed(seed, L, conc)
    s = decode_segment(p)
    assert len(s) == L and set(s) <= set(SS8)
    assert min_length_violations(s) == 0
    # never better than the unconstrained optimum
    assert log_score(p, s) <= log_score(p, decode_argmax(p)) + 1e-9


@settings(max_examples=60, deadline=None)
@given(labels=valid_labels(), seed=st.integers(0, 2**32 - 1))
def test_segment_equals_argmax_when_argmax_is_valid(labels, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.0, 0.5, size=(len(labels), 8))
    p[np.arange(len(labels)), [SS8.index(c) for c in labels]] += 0.6     # unique argmax = labels
    p /= p.sum(1, keepdims=True)
    assert decode_argmax(p) == labels
    assert decode_segment(p) == labels


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), L=st.integers(1, 5), conc=st.sampled_from([0.2, 1.0]))
def test_segment_is_optimal_against_brute_force(seed, L, conc):
    p = probs_from_seed(seed, L, conc)
    cands = valid_strings(L)
    idx = np.array([[SS8.index(c) for c in s] for s in cands])           # [N, L]
    best = np.log(np.maximum(p, 1e-12))[np.arange(L), idx].sum(1).max()
    s = decode_segment(p)
    assert s in cands
    assert log_score(p, s) == pytest.approx(best, abs=1e-9)


def test_valid_string_counts_follow_the_rules():
    # L=1: only the four unconstrained states; L=2: 4*4 pairs + EE
    assert len(valid_strings(1)) == 4 and len(valid_strings(2)) == 17
    assert "HHHH" in valid_strings(4) and "HHH" not in valid_strings(3) and "GGG" in valid_strings(3)
    assert "IIIII" in valid_strings(5) and "IIII" not in valid_strings(4)


def test_short_helix_is_replaced_by_the_best_valid_labelling():
    # H is most likely but 3 residues cannot be an alpha helix; C beats G (0.3^3 > 0.1^3)
    p = np.tile([0.6, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3], (3, 1))
    assert decode_argmax(p) == "HHH"
    assert decode_segment(p) == "CCC"
    # a lone E between coil becomes B if B is the runner-up
    q = np.tile([0, 0, 0, 0, 0, 0, 0, 1.0], (5, 1))
    q[2] = [0, 0, 0, 0.5, 0.3, 0, 0, 0.2]
    assert decode_segment(q) == "CCBCC"


def test_min_length_violations_counts_runs():
    assert min_length_violations("CHHHCEC") == 2              # HHH and E
    assert min_length_violations("HHHHGGGIIIIIEEBTSC") == 0
    assert min_length_violations("") == 0


def test_dispatch_argmax_and_errors():
    p = probs_from_seed(1, 12)
    assert decode(p) == decode(p, "argmax") == "".join(SS8[i] for i in p.argmax(1))
    assert decode(p, "segment") == decode_segment(p)
    assert decode(np.zeros((0, 8)), "segment") == ""
    with pytest.raises(ValueError, match="unknown decoder"):
        decode(p, "viterbi")
    with pytest.raises(ValueError, match="prob8 must be"):
        decode_segment(np.ones((4, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        decode_segment(np.full((2, 8), np.nan))


def test_zero_probabilities_are_handled():
    p = np.zeros((6, 8))
    p[:, 0] = 1.0                                            # a certain 6-residue helix
    assert decode_segment(p) == "HHHHHH"
    p[:3] = 0
    p[:3, 3] = 1.0                                           # EEE then HHH: the helix is too short
    # one impossible residue (log 1e-12) is cheaper than three: E2 + H4
    assert decode_segment(p) == "EEHHHH"


def test_mode_of_samples_is_the_majority():
    assert mode_of_samples(["HHE", "HCE", "CCE"]) == "HCE"
    assert mode_of_samples(["HE", "EH", "CC"]) == "HH"         # ties: earliest in HGIEBTSC


def test_decode_predictions_keeps_probabilities():
    p = np.tile([0.6, 0.1, 0, 0, 0, 0, 0, 0.3], (3, 1)).astype(np.float32)
    preds = [Prediction("a", "AAA", "HHH", p)]
    out = decode_predictions(preds, "segment")
    assert out[0].ss8 == "CCC" and out[0].prob8 is p and preds[0].ss8 == "HHH"
