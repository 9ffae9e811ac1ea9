"""Labelled corpora: one entry point, :func:`read_corpus`, over a registry of readers.

``read_corpus(path, format=None, **options) -> list[LabeledRecord]``

The format is detected from content (magic bytes, first line) and, where the
content cannot tell, from file names; ``format=`` overrides detection. Each
reader lives in ``seqgsn.io.readers.<module>`` and documents its file layout.

========================  ====================================================
format                    what it reads
========================  ====================================================
``store``                 seqgsn's own corpus file (:mod:`seqgsn.io.store`)
``scratch1d``             folder with ``Proteins.fa`` + ``SSpro8.dssp``
``netsurfp_csv``          NetSurfP-2.0 / ProtTrans CSV (``CB513_HHblits.csv``)
``pisces_csv``            one chain per row: ``pdb_id,chain_code,seq,sst8[,...]`` (PISCES/PDB)
``cb6133_csv``            one chain per row: ``id,len,input,expected`` (ICML-2014 CB6133 text)
``three_line``            ``>id`` / sequence / 8-state labels (``L`` = coil)
``tianchi``               line-aligned seq / sec text pair (coil = space)
``flip``                  FLIP ``splits.zip`` (3-state only)
``dnss2_tar``             DNSS2 ``seq_labels.tar.gz`` (``*.8class.ssa``)
``hdf5``                  ``features`` (N,700,43) + ``labels`` (N,700,9) .h5
``icml_npy``              ICML-2014 CullPDB / CB513 ``.npy`` / ``.npy.gz``
``dssp``                  classic DSSP output (``mkdssp --output-format dssp``)
``dssp_mmcif``            mkdssp mmCIF output (``_dssp_struct_summary``)
``fasta``                 plain FASTA, unlabelled (ss8 = None)
========================  ====================================================

A folder that is not itself a corpus layout (``scratch1d``, ``tianchi``) but holds
exactly one data file (documentation such as ``README*`` / ``*.md`` aside) reads
as that file, e.g. ``pisces_pdb2018`` or ``icml2014_cb6133filtered``.
"""
from __future__ import annotations

import gzip
import importlib
import inspect
import zipfile
import zlib
from pathlib import Path

from ..errors import ConfigError, InvalidFileError

# name -> (module relative to seqgsn.io, function, one-line description)
FORMATS: dict[str, tuple[str, str, str]] = {
    "store": (".store", "load_corpus", "seqgsn corpus file (save_corpus output)"),
    "scratch1d": (".readers.scratch1d", "read_scratch1d", "SCRATCH-1D Proteins.fa + SSpro8.dssp"),
    "netsurfp_csv": (".readers.netsurfp_csv", "read_netsurfp_csv", "NetSurfP-2.0/ProtTrans CSV"),
    "pisces_csv": (".readers.pisces_csv", "read_pisces_csv", "CSV pdb_id,chain_code,seq,sst8[,...]"),
    "cb6133_csv": (".readers.cb6133_csv", "read_cb6133_csv", "CSV id,len,input,expected (L = coil)"),
    "three_line": (".readers.three_line", "read_three_line", "'>id' / sequence / labels records"),
    "tianchi": (".readers.tianchi", "read_tianchi", "seq/sec line pair (coil = space)"),
    "flip": (".readers.flip", "read_flip", "FLIP secondary-structure splits.zip (3-state)"),
    "dnss2_tar": (".readers.dnss2_tar", "read_dnss2_tar", "DNSS2 seq_labels.tar.gz (*.8class.ssa)"),
    "hdf5": (".readers.hdf5", "read_hdf5", "HDF5 features (N,700,43) + labels (N,700,9)"),
    "icml_npy": (".readers.icml_npy", "read_icml_npy", "ICML-2014 .npy(.gz), N x 700 x 57"),
    "dssp": (".readers.dssp", "read_dssp", "classic DSSP output file"),
    "dssp_mmcif": (".readers.dssp", "read_dssp_mmcif", "mkdssp mmCIF (_dssp_struct_summary)"),
    "fasta": (".readers.fasta", "read_fasta", "plain FASTA, unlabelled"),
}

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
DSSP_CLASSIC_FIRST = "==== Secondary Structure Definition by the program DSSP"
FOLDER_FORMATS = ("scratch1d", "tianchi")      # formats whose reader takes the folder itself
_DOC_PREFIXES = ("readme", "license", "licence", "copying", "manifest")


def single_data_file(folder) -> Path | None:
    """The one data file in ``folder`` (hidden files and docs ignored), or None."""
    files = [f for f in sorted(Path(folder).iterdir())
             if f.is_file() and not f.name.startswith(".") and f.suffix.lower() != ".md"
             and not f.name.lower().startswith(_DOC_PREFIXES)]
    return files[0] if len(files) == 1 else None


def get_reader(fmt: str):
    """The reader function registered under ``fmt`` (ConfigError if unknown)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown corpus format {fmt!r}; known: {', '.join(FORMATS)}")
    mod, fn, _ = FORMATS[fmt]
    module = importlib.import_module(mod, package=__package__)
    return getattr(module, fn)


def read_corpus(path, format: str | None = None, **options) -> list:
    """Read a labelled (or unlabelled) corpus into ``LabeledRecord`` objects.

    ``options`` are passed to the reader (e.g. ``split="test"`` for ``flip``);
    an option the reader does not take is a ConfigError.
    """
    p = Path(path)
    if not p.exists():
        raise InvalidFileError("no such file or folder", file=p)
    fmt = format or detect_format(p)
    reader = get_reader(fmt)
    if p.is_dir() and fmt not in FOLDER_FORMATS:
        f = single_data_file(p)
        if f is None:
            raise InvalidFileError(f"format {fmt!r} reads a file, and this folder does not hold "
                                   "exactly one data file: name the file", file=p)
        p = f
    params = inspect.signature(reader).parameters
    bad = [k for k in options if k not in params or k == next(iter(params))]
    if bad:
        takes = [k for k in list(params)[1:]]
        raise ConfigError(f"format {fmt!r} takes no option(s) {', '.join(bad)}"
                          + (f" (it takes: {', '.join(takes)})" if takes else ""))
    return reader(p, **options)


def detect_format(path) -> str:
    """Name of the corpus format of ``path`` (file or folder), from content then names."""
    from .readers import scratch1d, tianchi  # light modules; name-based checks

    p = Path(path)
    if not p.exists():
        raise InvalidFileError("no such file or folder", file=p)
    if p.is_dir():
        if scratch1d.is_scratch1d(p):
            return "scratch1d"
        if tianchi.find_pair(p) is not None:
            return "tianchi"
        f = single_data_file(p)
        if f is not None:
            return detect_format(f)
        raise InvalidFileError("cannot tell the corpus format of this folder (expected "
                               "Proteins.fa + SSpro8.dssp, a *seq*/*sec* text pair, or exactly "
                               "one data file); give the file or the format explicitly", file=p)
    with open(p, "rb") as fh:
        head = fh.read(4096)
    from .store import MAGIC as STORE_MAGIC
    if head.startswith(STORE_MAGIC):
        return "store"
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if head.startswith(NPY_MAGIC):
        return "icml_npy"
    if head.startswith(ZIP_MAGIC):
        return _detect_zip(p)
    if head.startswith(GZIP_MAGIC):
        return _detect_gzip(p)
    if p.name in (scratch1d.SEQ_FILE, scratch1d.SS8_FILE) and scratch1d.is_scratch1d(p):
        return "scratch1d"
    if tianchi.find_pair(p) is not None:
        return "tianchi"
    return _detect_text(p, head)


def _detect_zip(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
            ValueError) as e:
        raise InvalidFileError(f"broken zip archive: {e}", file=p) from None
    if any(n.endswith("sampled.fasta") for n in names):
        return "flip"
    raise InvalidFileError("zip archive without a FLIP sampled.fasta: unknown corpus format",
                           file=p)


def _detect_gzip(p: Path) -> str:
    try:
        with gzip.open(p, "rb") as fh:
            head = fh.read(512)
    except (OSError, EOFError, zlib.error) as e:
        raise InvalidFileError(f"broken gzip file: {e}", file=p) from None
    if head.startswith(NPY_MAGIC):
        return "icml_npy"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "dnss2_tar"
    raise InvalidFileError("gzip file that is neither a .npy array nor a tar archive", file=p)


def _detect_text(p: Path, head: bytes) -> str:
    from .readers.cb6133_csv import looks_cb6133_csv
    from .readers.netsurfp_csv import looks_netsurfp_csv
    from .readers.pisces_csv import looks_pisces_csv
    from .readers.three_line import looks_three_line
    from .readers._common import split_lines

    try:
        if b"\0" in head:
            raise UnicodeDecodeError("ascii", head, 0, 1, "NUL byte")
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidFileError("binary file of unknown corpus format", file=p) from None
    lines = split_lines(text)
    first = next((ln for ln in lines if ln.strip()), "")
    if first.startswith(DSSP_CLASSIC_FIRST):
        return "dssp"
    if first.startswith("data_"):
        if _file_contains(p, b"_dssp_struct_summary."):
            return "dssp_mmcif"
        raise InvalidFileError("mmCIF without DSSP annotation: run `seqgsn data from-structures` "
                               "on structure files", file=p)
    if looks_netsurfp_csv(first):
        return "netsurfp_csv"
    if looks_pisces_csv(first):
        return "pisces_csv"
    if looks_cb6133_csv(first):
        return "cb6133_csv"
    if first.startswith(">"):
        return "three_line" if looks_three_line(lines) else "fasta"
    raise InvalidFileError("cannot tell the corpus format from the content; give the format "
                           f"explicitly (one of {', '.join(FORMATS)})", file=p, line=1)


def _file_contains(p: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    tail = b""
    with open(p, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                return False
            if needle in tail + block:
                return True
            tail = block[-len(needle):]


def corpus_stats(records) -> dict:
    """Summary of a corpus: counts, label frequencies over evaluated residues, lengths.

    ``evaluated_residues`` counts mask-True residues (all residues when a record has
    no mask). Frequencies are fractions of evaluated residues among records that
    carry that label kind (8-state: ``ss8``; 3-state: ``ss3``, derived from ss8
    when only ss8 is given), in ``HGIEBTSC`` / ``HEC`` order.
    """
    import numpy as np

    from ..alphabet import SS3, SS8

    records = list(records)
    lengths = np.array([len(r.seq) for r in records], dtype=np.int64)
    c8 = np.zeros(256, np.int64)
    c3 = np.zeros(256, np.int64)
    evaluated = 0
    for r in records:
        m = r.eval_mask()
        evaluated += int(m.sum())
        for lab, counts in ((r.ss8, c8), (r.ss3, c3)):
            if lab is not None:
                b = np.frombuffer(lab.encode("ascii"), np.uint8)[m]
                counts += np.bincount(b, minlength=256)

    def freqs(counts, states):
        tot = int(sum(counts[ord(s)] for s in states))
        return {s: (counts[ord(s)] / tot if tot else 0.0) for s in states}, tot

    f8, n8 = freqs(c8, SS8)
    f3, n3 = freqs(c3, SS3)
    return {
        "chains": len(records),
        "residues": int(lengths.sum()),
        "evaluated_residues": evaluated,
        "chains_with_ss8": sum(r.ss8 is not None for r in records),
        "chains_with_ss3": sum(r.ss3 is not None for r in records),
        "chains_with_profile": sum(r.profile is not None for r in records),
        "labelled_residues_ss8": n8,
        "labelled_residues_ss3": n3,
        "ss8_freq": f8,
        "ss3_freq": f3,
        "length": ({"min": int(lengths.min()), "median": float(np.median(lengths)),
                    "max": int(lengths.max())} if len(records) else
                   {"min": None, "median": None, "max": None}),
    }
