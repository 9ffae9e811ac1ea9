"""Prediction writers (streaming: one record at a time) and an ss2 reader.

Formats (all UTF-8 text, ``\\n`` line ends)
-------------------------------------------
``fasta``  three lines per record::

               >ID DESCRIPTION          (">ID" alone when there is no description)
               SEQUENCE                 (one line, upper case, as read)
               SS8                      (one line, same length, letters HGIEBTSC)

           ``sample --format jsonl`` writes ``{"id", "sequence", "samples": [N strings]}`` per record;
           ``sample --format fasta`` writes one such block per sample, header
           ``>ID sample=K/N`` (K = 1..N).

``ss2``    PSIPRED VFORMAT. Per record::

               # PSIPRED VFORMAT (PSIPRED V4.0)
               # id: ID DESCRIPTION
               <blank line>
               "%4d %c %c  %6.3f %6.3f %6.3f" % (pos, aa, ss3, P(C), P(H), P(E))   one line per residue

           3-state letters and probabilities are the 8-state ones summed (H+G+I, E+B, T+S+C);
           the column order C, H, E is PSIPRED's. PSIPRED files hold one chain and have no id
           line: in one output stream the records follow each other, each block starting with
           its own VFORMAT line (split on it), with the ``# id:`` comment naming the record.
           With ``-o DIR`` (see ``seqgsn.chain.pipeline``) every record gets its own file
           ``DIR/ID.ss2`` laid out exactly as PSIPRED writes it (no ``# id:`` line).

``horiz``  PSIPRED HFORMAT. Per record: ``# PSIPRED HFORMAT (PSIPRED V4.0)``, ``# id: ...`` (stream
           only, as for ss2), then for each block of 60 residues: a blank line, ``Conf: `` digits,
           ``Pred: `` 3-state letters, ``  AA: `` residues, a ruler line (6 spaces, then every 10th
           position right-aligned under its residue, PSIPRED's own layout), and a blank line.
           Confidence digit = min(9, int(10 * (p_top - p_second))) over the 3-state probabilities,
           as psipass2 computes it. (PSIPRED prints one extra empty block when the length is a
           multiple of 60; we do not.)

``jsonl``  one JSON object per line and record: ``id``, ``description``, ``sequence``, ``ss8``,
           ``ss3``, ``prob8`` (L x 8 list, column order H G I E B T S C, rounded to 4 decimals),
           plus ``clamped`` (the clamp string, ``-`` = free) and ``samples`` (list of N
           8-state strings) when present.

``tsv``    tab-separated, one header row ``id pos aa ss8 ss3 H G I E B T S C`` then one row
           per residue (pos 1-based, probabilities with 4 decimals).
"""
from __future__ import annotations

import json
import os
import re
from typing import IO, Iterable, List, Optional

import numpy as np

from ..alphabet import SS3, SS8
from ..errors import ConfigError, InvalidFileError
from ..records import Prediction

FORMATS = ("fasta", "ss2", "horiz", "jsonl", "tsv")
SAMPLE_FORMATS = ("jsonl", "fasta")
EXTENSIONS = {"fasta": "fasta", "ss2": "ss2", "horiz": "horiz", "jsonl": "jsonl", "tsv": "tsv"}
# an output file's suffix -> the format it names (for ``-o`` without ``--format``)
SUFFIX_FORMATS = {".fasta": "fasta", ".fa": "fasta", ".fas": "fasta", ".ss2": "ss2", ".horiz": "horiz",
                  ".jsonl": "jsonl", ".tsv": "tsv"}
VFORMAT = "# PSIPRED VFORMAT (PSIPRED V4.0)"
HFORMAT = "# PSIPRED HFORMAT (PSIPRED V4.0)"
TSV_HEADER = "\t".join(["id", "pos", "aa", "ss8", "ss3", *SS8]) + "\n"
_CHE = [SS3.index("C"), SS3.index("H"), SS3.index("E")]   # PSIPRED column order


def _title(p: Prediction) -> str:
    return f"{p.id} {p.description}" if p.description else p.id


def _prob3(p: Prediction) -> np.ndarray:
    return np.asarray(p.prob3, dtype=np.float64)


def _ss3(prob3: np.ndarray) -> str:
    return "".join(SS3[i] for i in prob3.argmax(-1).tolist())


def format_fasta(p: Prediction) -> str:
    return f">{_title(p)}\n{p.seq}\n{p.ss8}\n"


def format_samples_fasta(p: Prediction) -> str:
    n = len(p.samples or [])
    return "".join(f">{p.id} sample={k}/{n}\n{p.seq}\n{s}\n" for k, s in enumerate(p.samples or [], 1))


def format_ss2(p: Prediction, *, with_id: bool = True) -> str:
    pr = _prob3(p)[:, _CHE]
    ss3 = _ss3(_prob3(p))
    head = VFORMAT + "\n" + (f"# id: {_title(p)}\n" if with_id else "") + "\n"
    rows = [f"{i + 1:4d} {a} {s}  {c:6.3f} {h:6.3f} {e:6.3f}\n"
            for i, (a, s, (c, h, e)) in enumerate(zip(p.seq, ss3, pr.tolist()))]
    return head + "".join(rows)


def horiz_confidence(prob3: np.ndarray) -> str:
    """PSIPRED's digit per residue: min(9, int(10 * (top - second)))."""
    top2 = np.sort(np.asarray(prob3, dtype=np.float64), axis=-1)[:, -2:]
    d = np.clip((10.0 * (top2[:, 1] - top2[:, 0])).astype(np.int64), 0, 9)
    return "".join("0123456789"[i] for i in d.tolist())


def _ruler(start: int, length: int) -> str:
    """psipass2's ruler for the block starting at 0-based ``start``: every 10th position, right-aligned."""
    out, i = [], 0
    while i < 56:
        j = start + i + 5
        if j > length:
            break
        if j % 10 == 0:
            out.append(f"{j:5d}")
            i += 5
        else:
            out.append(" ")
            i += 1
    return "      " + "".join(out)


def format_horiz(p: Prediction, *, with_id: bool = True) -> str:
    pr = _prob3(p)
    ss3, conf, L = _ss3(pr), horiz_confidence(pr), len(p.seq)
    parts = [HFORMAT + "\n"]
    if with_id:
        parts.append(f"# id: {_title(p)}\n")
    for b in range(0, L, 60):
        parts.append(f"\nConf: {conf[b:b + 60]}\nPred: {ss3[b:b + 60]}\n  AA: {p.seq[b:b + 60]}\n"
                     f"{_ruler(b, L)}\n\n")
    return "".join(parts)


def prediction_to_dict(p: Prediction) -> dict:
    d = {"id": p.id, "description": p.description, "sequence": p.seq, "ss8": p.ss8, "ss3": p.ss3,
         "prob8": np.round(np.asarray(p.prob8, dtype=np.float64), 4).tolist()}
    if p.clamped is not None:
        d["clamped"] = p.clamped
    if p.samples is not None:
        d["samples"] = list(p.samples)
    return d


def format_jsonl(p: Prediction) -> str:
    return json.dumps(prediction_to_dict(p), ensure_ascii=False, separators=(",", ":")) + "\n"


def format_tsv(p: Prediction) -> str:
    pr = np.asarray(p.prob8, dtype=np.float64)
    ss3 = p.ss3
    return "".join(f"{p.id}\t{i + 1}\t{a}\t{s8}\t{s3}\t" + "\t".join(f"{v:.4f}" for v in row) + "\n"
                   for i, (a, s8, s3, row) in enumerate(zip(p.seq, p.ss8, ss3, pr.tolist())))


_FORMATTERS = {"fasta": format_fasta, "ss2": format_ss2, "horiz": format_horiz, "jsonl": format_jsonl,
               "tsv": format_tsv}


def format_prediction(p: Prediction, fmt: str, *, samples: bool = False, with_id: bool = True) -> str:
    """One record in ``fmt``. ``samples=True`` writes sample output (jsonl / fasta only)."""
    if samples:
        if fmt == "fasta":
            return format_samples_fasta(p)
        if fmt == "jsonl":
            return json.dumps({"id": p.id, "sequence": p.seq, "samples": list(p.samples or [])},
                              ensure_ascii=False,
                              separators=(",", ":")) + "\n"
        raise ValueError(f"sample output supports {SAMPLE_FORMATS}, not {fmt!r}")
    if fmt in ("ss2", "horiz"):
        return _FORMATTERS[fmt](p, with_id=with_id)
    try:
        return _FORMATTERS[fmt](p)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (one of {FORMATS})") from None


def output_format(fmt: Optional[str], out: Optional[str], *, samples: bool = False) -> str:
    """The format to write: ``fmt`` when given; else the one the output file's suffix names
    (``out.ss2`` -> ss2, see ``SUFFIX_FORMATS``, case-insensitive); else fasta for predictions and jsonl
    for samples. A directory output (existing, or ending in '/') or an unknown suffix takes the default,
    so a file named ``pred.tsv`` never receives another format unless ``--format`` says so."""
    allowed = SAMPLE_FORMATS if samples else FORMATS
    if fmt is not None:
        return fmt
    default = "jsonl" if samples else "fasta"
    if out is None or out == "-" or out.endswith(("/", os.sep)) or os.path.isdir(out):
        return default
    named = SUFFIX_FORMATS.get(os.path.splitext(out)[1].lower())
    if named is None:
        return default
    if named not in allowed:
        raise ConfigError(f"{out}: its suffix names format {named!r}, which {'sample' if samples else 'predict'} "
                         f"cannot write (one of {', '.join(allowed)}); give --format or another name")
    return named


def file_header(fmt: str, *, samples: bool = False) -> str:
    """Text written once at the start of a stream (the TSV header row), else ''."""
    return TSV_HEADER if fmt == "tsv" and not samples else ""


class StreamWriter:
    """Writes predictions to an open text stream as they arrive.

    ``header=False`` skips the once-per-file header (used when appending on ``--resume``).
    """

    def __init__(self, fh: IO[str], fmt: str, *, samples: bool = False, header: bool = True):
        if fmt not in (SAMPLE_FORMATS if samples else FORMATS):
            raise ValueError(f"unknown format {fmt!r}")
        self.fh, self.fmt, self.samples = fh, fmt, samples
        self.n = 0
        if header:
            fh.write(file_header(fmt, samples=samples))

    def write(self, p: Prediction) -> None:
        self.fh.write(format_prediction(p, self.fmt, samples=self.samples))
        self.n += 1

    def write_all(self, preds: Iterable[Prediction]) -> None:
        for p in preds:
            self.write(p)


def write_predictions(path, preds: Iterable[Prediction], fmt: str, *, samples: bool = False) -> int:
    """Write all ``preds`` to ``path`` atomically; returns the number written."""
    from .atomic import atomic_write
    with atomic_write(path) as fh:
        w = StreamWriter(fh, fmt, samples=samples)
        w.write_all(preds)
    return w.n


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(record_id: str, max_len: int = 100) -> str:
    """A file-system-safe stem for one record's file: other characters become '_'."""
    s = _SAFE.sub("_", record_id).strip("._") or "record"
    return s[:max_len]


# -- reading back ss2 ---------------------------------------------------------------------------
def parse_ss2(text: str, source: Optional[str] = None) -> List[dict]:
    """Parse ss2 text (one PSIPRED file or our multi-record stream).

    -> list of {"id": str | None, "seq": str, "ss3": str, "prob3": float [L, 3] in order H E C}.
    """
    out: List[dict] = []
    cur = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith(VFORMAT) or cur is None and line.strip() and not line.startswith("#"):
            cur = {"id": None, "seq": [], "ss3": [], "prob3": []}
            out.append(cur)
            if line.startswith("#"):
                continue
        if line.startswith("# id:"):
            cur["id"] = line[5:].strip().split(None, 1)[0] if line[5:].strip() else None
            continue
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split()
        if len(f) != 6 or not f[0].isdigit() or int(f[0]) != len(cur["seq"]) + 1:
            raise InvalidFileError(f"not an ss2 row: {line!r}", file=source, line=n)
        try:
            c, h, e = float(f[3]), float(f[4]), float(f[5])
        except ValueError:
            raise InvalidFileError(f"not an ss2 row: {line!r}", file=source, line=n) from None
        cur["seq"].append(f[1])
        cur["ss3"].append(f[2])
        cur["prob3"].append((h, e, c))
    return [{"id": r["id"], "seq": "".join(r["seq"]), "ss3": "".join(r["ss3"]),
             "prob3": np.asarray(r["prob3"], dtype=np.float64).reshape(-1, 3)} for r in out]
