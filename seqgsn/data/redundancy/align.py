"""Fallback when MMseqs2 is not installed: exact local alignment with Biopython.

Every query is aligned to every target with ``Bio.Align.PairwiseAligner`` in
local (Smith-Waterman) mode, BLOSUM62, gap cost ``11 + 1 * length`` (BLAST and
MMseqs2 defaults; Biopython scores a gap of length n as ``open + (n-1)*extend``,
hence ``open_gap_score=-12``). Identity and coverages follow
:mod:`seqgsn.data.redundancy.hits`.

E-value (Karlin-Altschul, BLAST's gapped BLOSUM62 11/1 parameters
lambda = 0.267, K = 0.041, no edge correction)::

    E = K * m * N * exp(-lambda * S)

with S the raw local score, m the query length and N the total number of
target residues. Only pairs whose score can reach the e-value cut-off are
traced back, which keeps the cost near one score computation per pair.

This is quadratic in the number of chains (about 0.4 ms per pair of 150-300
residue chains), so it is meant for small sets: callers refuse more than
``DEFAULT_MAX_PAIRS`` pairs and point to MMseqs2.
"""
from __future__ import annotations

import math
import re

from ...errors import ToolNotFoundError
from .hits import Hit
from .mmseqs import INSTALL_HINT

LAMBDA = 0.267
K = 0.041
DEFAULT_MAX_PAIRS = 200_000
_NOT_BLOSUM = re.compile(r"[^ARNDCQEGHILKMFPSTWYVBZX]")


def check_pairs(n_pairs: int, max_pairs: int, what: str) -> None:
    """Refuse an alignment workload that would take too long without MMseqs2."""
    if n_pairs > max_pairs:
        raise ToolNotFoundError(
            f"{what} needs {n_pairs:,} pairwise alignments, more than the Biopython fallback "
            f"allows ({max_pairs:,}); {INSTALL_HINT}")


def _aligner():
    from Bio.Align import PairwiseAligner, substitution_matrices

    return PairwiseAligner(mode="local", substitution_matrix=substitution_matrices.load("BLOSUM62"),
                           open_gap_score=-12.0, extend_gap_score=-1.0)


def _clean(s: str) -> str:
    return _NOT_BLOSUM.sub("X", s.upper())


def min_score(m: int, n_total: int, evalue: float) -> float:
    """Smallest raw score S with ``K*m*N*exp(-lambda*S) <= evalue``."""
    if evalue <= 0:
        return math.inf
    return math.log(K * m * n_total / evalue) / LAMBDA


def evalue_of(score: float, m: int, n_total: int) -> float:
    return K * m * n_total * math.exp(-LAMBDA * score)


def _hit(aligner, q: str, t: str, qi: int, ti: int, score: float, n_total: int) -> Hit:
    aln = aligner.align(q, t)[0]
    qblocks, tblocks = aln.aligned
    same = matched = 0
    for (qs, qe), (ts, _te) in zip(qblocks.tolist(), tblocks.tolist()):
        matched += qe - qs
        same += sum(a == b for a, b in zip(q[qs:qe], t[ts:ts + qe - qs]))
    qspan = int(qblocks[-1][1] - qblocks[0][0])
    tspan = int(tblocks[-1][1] - tblocks[0][0])
    alnlen = qspan + tspan - matched  # matched columns + gap columns on either side
    return Hit(qi, ti, identity=same / alnlen, qcov=qspan / len(q), tcov=tspan / len(t),
               evalue=evalue_of(score, len(q), n_total), alnlen=alnlen)


def search(queries: list[str], targets: list[str], *, evalue: float = 10.0) -> list[Hit]:
    """Best local alignment of every (query, target) pair with e-value <= ``evalue``."""
    aligner = _aligner()
    qs = [_clean(s) for s in queries]
    ts = [_clean(s) for s in targets]
    n_total = sum(len(t) for t in ts)
    hits = []
    for qi, q in enumerate(qs):
        if not q:
            continue
        cut = min_score(len(q), n_total, evalue)
        for ti, t in enumerate(ts):
            if not t:
                continue
            s = aligner.score(q, t)
            if s > 0 and s >= cut:
                hits.append(_hit(aligner, q, t, qi, ti, s, n_total))
    return hits


def greedy_cluster(seqs: list[str], *, identity: float, coverage: float,
                   evalue: float = 1e-3) -> list[int]:
    """Representative position for every sequence (greedy, longest first, like CD-HIT).

    A chain joins the first representative (in longest-first order) whose
    alignment to it has identity >= ``identity``, covers >= ``coverage`` of
    BOTH chains (MMseqs2 ``--cov-mode 0``) and has e-value <= ``evalue``
    (MMseqs2's clustering default); otherwise it becomes a representative.
    """
    aligner = _aligner()
    ss = [_clean(s) for s in seqs]
    n_total = sum(len(s) for s in ss)
    order = sorted(range(len(ss)), key=lambda i: (-len(ss[i]), i))
    rep = list(range(len(ss)))
    reps: list[int] = []
    for i in order:
        q = ss[i]
        if q:
            cut = min_score(len(q), n_total, evalue)
            for r in reps:
                s = aligner.score(q, ss[r])
                if s <= 0 or s < cut:
                    continue
                h = _hit(aligner, q, ss[r], i, r, s, n_total)
                if h.identity >= identity and h.qcov >= coverage and h.tcov >= coverage:
                    rep[i] = r
                    break
        if rep[i] == i and q:
            reps.append(i)
    return rep


def self_search(seqs: list[str], *, identity: float, coverage: float,
                evalue: float = 10.0) -> list[Hit]:
    """Hits (i < j) among ``seqs`` with identity >= ``identity`` covering >= ``coverage`` of BOTH chains.

    Pairs whose lengths rule that out are not aligned: identity <= shorter / (coverage * longer),
    so a pair with ``shorter < identity * coverage * longer`` cannot qualify.
    """
    aligner = _aligner()
    ss = [_clean(s) for s in seqs]
    n_total = sum(len(s) for s in ss)
    hits = []
    for i, q in enumerate(ss):
        if not q:
            continue
        cut = min_score(len(q), n_total, evalue)
        for j in range(i + 1, len(ss)):
            t = ss[j]
            if not t or min(len(q), len(t)) < identity * coverage * max(len(q), len(t)):
                continue
            s = aligner.score(q, t)
            if s > 0 and s >= cut:
                h = _hit(aligner, q, t, i, j, s, n_total)
                if h.identity >= identity and min(h.qcov, h.tcov) >= coverage:
                    hits.append(h)
    return hits
