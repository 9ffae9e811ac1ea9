"""``seqgsn evaluate --residues OUT.tsv``: one row per residue, predicted against true, with probabilities.

Columns (tab-separated, one header row)::

    id  pos  aa  true_ss8  pred_ss8  true_ss3  pred_ss3  evaluated  H  G  I  E  B  T  S  C

``pos`` is 1-based; ``true_*`` is ``-`` where the corpus has no label of that kind (e.g. 3-state-only
corpora have no ``true_ss8``); ``pred_ss8`` / ``pred_ss3`` are the labels the run's headline scores: by
default the argmax and the argmax of the summed 8-state probabilities (as ``predict`` writes them); under
``--decode segment`` the decoded string and its 8->3 map (H,G,I->H; E,B->E; T,S,C->C); ``evaluated`` is 1 where the residue is scored (the corpus's evaluation mask)
and 0 elsewhere; the eight probabilities (4 decimals) are those ``evaluate`` scored, in the order
H G I E B T S C. Written atomically.
"""
from __future__ import annotations

from typing import Optional, Sequence

from ..alphabet import SS8, ss8_to_ss3
from ..io.atomic import atomic_write

HEADER = ["id", "pos", "aa", "true_ss8", "pred_ss8", "true_ss3", "pred_ss3", "evaluated", *SS8]


def write_residue_table(path, refs: Sequence, preds: Sequence, decoded: Optional[Sequence[str]] = None) -> int:
    """Write the table for reference records ``refs`` and their predictions; returns the number of rows.
    ``decoded``: one 8-state string per prediction that the run scored instead of its argmax."""
    n = 0
    with atomic_write(path) as fh:
        fh.write("\t".join(HEADER) + "\n")
        for k, (ref, p) in enumerate(zip(refs, preds)):
            mask = ref.eval_mask()
            t8, t3 = ref.ss8, ref.ss3
            p8, p3 = (p.ss8, p.ss3) if decoded is None else (decoded[k], ss8_to_ss3(decoded[k]))
            for i, aa in enumerate(ref.seq):
                probs = "\t".join(f"{x:.4f}" for x in p.prob8[i])
                fh.write(f"{ref.id}\t{i + 1}\t{aa}\t{t8[i] if t8 else '-'}\t{p8[i]}\t{t3[i] if t3 else '-'}\t"
                         f"{p3[i]}\t{int(bool(mask[i]))}\t{probs}\n")
                n += 1
    return n
