"""Compressed input (detected by magic bytes), stdin, file objects, corrupt streams."""
import bz2
import gzip
import io
import lzma
import subprocess
import sys

import pytest

from seqgsn.errors import InvalidFileError
from seqgsn.io.fasta import FastaReader, iter_fasta
from seqgsn.io.problems import ProblemReport
from seqgsn.records import Record

COMPRESSORS = {None: lambda b: b, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
TEXT = ">a one\nMKV\nLA*\n>b\nM-K\n>c\nGG\n"


def summary(items):
    return [(x.id, x.seq, x.line) if isinstance(x, Record) else ("ERR", x.record, x.line) for x in items]


EXPECTED = [("a", "MKVLA", 1), ("ERR", "b", 5), ("c", "GG", 6)]


@pytest.mark.parametrize("comp", [None, "gzip", "bzip2", "xz"])
@pytest.mark.parametrize("name", ["x.fa", "x.txt", "x.fa.gz"])
def test_each_compression_detected_by_magic_not_name(write_fasta, comp, name):
    p = write_fasta(TEXT, comp, name=name)
    reader = FastaReader(p, problems=ProblemReport())
    assert summary(reader) == EXPECTED
    assert reader.source.compression == comp
    assert reader.n_items == 3 and reader.n_residues == 7


def test_multi_member_gzip(write_fasta):
    data = gzip.compress(b">a\nMK\n") + gzip.compress(b">b\nGG\n")
    assert [r.id for r in iter_fasta(write_fasta(data))] == ["a", "b"]


@pytest.mark.parametrize("comp", ["gzip", "bzip2", "xz"])
def test_truncated_compressed_stream_is_a_file_error(write_fasta, comp):
    big = "".join(f">r{i}\n{'ACDEFGHIKL' * 30}\n" for i in range(300)).encode()
    data = COMPRESSORS[comp](big)
    p = write_fasta(data[: len(data) // 2])
    with pytest.raises(InvalidFileError, match="corrupt or truncated") as ei:
        list(iter_fasta(p))
    assert ei.value.file == str(p)


@pytest.mark.parametrize("head,what", [(b"\x28\xb5\x2f\xfd" + b"\0" * 10, "zstd"), (b"PK\x03\x04junk", "zip"),
                                       (">a\nMK\n".encode("utf-16"), "UTF-16")])
def test_unsupported_containers_refused_clearly(write_fasta, head, what):
    with pytest.raises(InvalidFileError, match=what):
        list(iter_fasta(write_fasta(head)))


def test_binary_file_object():
    assert summary(iter_fasta(io.BytesIO(gzip.compress(TEXT.encode())), problems=ProblemReport())) == EXPECTED


class _Pipe(io.RawIOBase):
    """Non-seekable stream handing out a few bytes per read, like a pipe."""

    def __init__(self, data):
        self.data = data

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), 3, len(self.data))
        b[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


@pytest.mark.parametrize("comp", [None, "gzip"])
def test_non_seekable_stream_with_short_reads(comp):
    stream = io.BufferedReader(_Pipe(COMPRESSORS[comp](TEXT.encode())))
    assert summary(iter_fasta(stream, problems=ProblemReport())) == EXPECTED


@pytest.mark.parametrize("comp", [None, "xz"])
def test_stdin_dash(write_fasta, comp):
    p = write_fasta(TEXT, comp)
    code = ("from seqgsn.io.fasta import iter_fasta\n"
            "from seqgsn.io.problems import ProblemReport\n"
            "items = list(iter_fasta('-', problems=ProblemReport()))\n"
            "print([(getattr(x, 'id', None), x.source if hasattr(x, 'seq') else x.file) for x in items])\n")
    with open(p, "rb") as fh:   # a real pipe, not a seekable file
        cat = subprocess.Popen(["cat"], stdin=fh, stdout=subprocess.PIPE)
        out = subprocess.run([sys.executable, "-c", code], stdin=cat.stdout, capture_output=True, text=True,
                             timeout=60)
        cat.wait()
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[('a', '<stdin>'), (None, '<stdin>'), ('c', '<stdin>')]"


def test_progress_information(write_fasta):
    p = write_fasta(TEXT * 50, "gzip")
    reader = FastaReader(p, problems=ProblemReport())
    it = iter(reader)
    next(it)
    assert reader.source.size == p.stat().st_size
    list(it)
    assert reader.n_items == 150
