import math

import pytest

from seqgsn.errors import LabelMismatchError
from seqgsn.evaluation import segment_bounds, segments, sov99, sov99_terms

REF = "CHHHHHHHHHHC"
# Table 1 of Liu & Wang 2018 (SOV_refine paper): SOV'99 of eight predictions of REF
TABLE1 = [("CHCHCHCHCHCC", 0.125), ("CHHHCHHHCHHC", 0.406), ("CHHCCHHHHHCC", 0.523),
          ("CCCHHHHCCCCC", 0.544), ("CCCHHHHHCCCC", 0.632), ("CCCHHHHHHCCC", 0.806),
          ("CCCHHHHHHHCC", 0.903), ("CCCHHHHHHHHC", 0.944)]


def test_segments_are_maximal_runs():
    assert segments("HHCHHHEEH", "H") == [2, 3, 1]
    assert segments("HHCHHHEEH", "E") == [2]
    assert segments("CCC", "H") == []
    assert segments("", "H") == []
    s, e = segment_bounds("CHHCH", "H")
    assert s.tolist() == [1, 4] and e.tolist() == [2, 4]


def test_identical_strings_score_one():
    assert sov99("CCHHHHEEEECCHH", "CCHHHHEEEECCHH") == 1.0
    assert sov99("HHHH", "HHHH") == 1.0


def test_no_overlap_scores_zero():
    assert sov99("HHHHHH", "EEEEEE") == 0.0


@pytest.mark.parametrize("pred,expected", TABLE1)
def test_published_sov99_values(pred, expected):
    assert sov99(REF, pred) == pytest.approx(expected, abs=5e-4)


def test_hand_worked_terms():
    # pred 2: H pairs (minov, maxov, delta) = (3,10,1), (3,10,1), (2,10,1) with len(s1) = 10
    # -> 4 + 4 + 3 = 11; N(H) counts len(s1) once per pair = 30
    assert sov99_terms(REF, "CHHHCHHHCHHC", "H") == (pytest.approx(11.0), 30)
    # C: both one-residue reference coils overlap one predicted coil exactly
    assert sov99_terms(REF, "CHHHCHHHCHHC", "C") == (pytest.approx(2.0), 2)
    # pred 8: delta = min(maxov-minov=2, minov=8, len1//2=5, len2//2=4) = 2 -> (8+2)/10*10
    assert sov99_terms(REF, "CCCHHHHHHHHC", "H") == (pytest.approx(10.0), 10)


def test_delta_capped_by_half_predicted_length():
    # s1 = 10 residues, s2 = 2 residues inside it: minov 2, maxov 10, delta = min(8,2,5,1) = 1
    assert sov99_terms("HHHHHHHHHH", "CCCCHHCCCC", "H") == (pytest.approx(3 / 10 * 10), 10)


def test_unmatched_reference_segment_counts_in_normalisation():
    # second helix (3 residues) is missed entirely: it adds 3 to N and nothing to the sum
    term, n = sov99_terms("HHHCCHHH", "HHHCCCCC", "H")
    assert (term, n) == (pytest.approx(3.0), 6)
    # C: ref [3,4] (len 2) vs pred [3,7] (len 5): minov 2, maxov 5,
    # delta = min(3, 2, 2//2, 5//2) = 1 -> (2+1)/5*2 = 1.2, N(C) = 2
    assert sov99_terms("HHHCCHHH", "HHHCCCCC", "C") == (pytest.approx(1.2), 2)
    assert sov99("HHHCCHHH", "HHHCCCCC", "HC") == pytest.approx((3.0 + 1.2) / (6 + 2))


def test_classes_restrict_states():
    assert sov99("HHHCCC", "HHHEEE", "H") == 1.0
    assert math.isnan(sov99("CCCC", "CCCC", "H"))
    assert math.isnan(sov99("", ""))


def test_length_mismatch_raises():
    with pytest.raises(LabelMismatchError):
        sov99("HHH", "HH")
