"""scripts/proteome_fasta.py: ids unique across corpora, a missing corpus is one line, the docstring's defaults."""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("proteome_fasta", REPO / "scripts" / "proteome_fasta.py")
proteome = importlib.util.module_from_spec(spec)
spec.loader.exec_module(proteome)

HEAD = "input, dssp3, dssp8, disorder, cb513_mask\n"


def _csv(path: Path, seqs) -> str:
    """A NetSurfP/ProtTrans CSV: its chains get ids row1, row2, ..."""
    rows = [f"{' '.join(s)}, {' '.join('C' * len(s))}, {' '.join('C' * len(s))}, {' '.join(['1'] * len(s))}, "
            f"{' '.join(['1'] * len(s))}\n" for s in seqs]
    path.write_text(HEAD + "".join(rows))
    return str(path)


def test_ids_are_unique_across_corpora_that_number_their_rows_alike(tmp_path):
    a = _csv(tmp_path / "a.csv", ["MKVLAGDG", "GSWYNPPD"])
    b = _csv(tmp_path / "b.csv", ["PPGKTAYI", "MKVLAGDG"])              # its row2 repeats a's row1: dropped
    out = tmp_path / "p.fasta"
    proteome.main([str(out), "--residues", "60", a, b])                  # corpora after the option, too
    ids = [line[1:] for line in out.read_text().splitlines() if line.startswith(">")]
    assert ids[:3] == ["a:row1", "a:row2", "b:row1"] and ids[3] == "a:row1_copy1"
    assert len(ids) == len(set(ids))


def test_two_corpora_with_one_name_still_get_distinct_ids(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, b = _csv(tmp_path / "x" / "c.csv", ["MKVLAGDG"]), _csv(tmp_path / "y" / "c.csv", ["GSWYNPPD"])
    assert [i for i, _ in proteome.distinct_sequences([a, b])] == ["c:row1", "c-2:row1"]


def test_a_missing_corpus_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        proteome.main([str(tmp_path / "p.fasta"), str(tmp_path / "nothere.csv")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "nothere.csv: no such file or folder" in err and len(err.splitlines()) == 1


def test_the_docstring_names_every_default_corpus():
    doc = proteome.__doc__
    for entry in proteome.DEFAULT:
        name = entry.partition("?")[0].split("/")[-1].removesuffix(".csv").removesuffix(".zip")
        name = {"CB513_HHblits": "CB513", "splits": "FLIP"}.get(name, name)
        assert name in doc, name
    assert all(f"{s}" in doc for s in ("train", "val", "test"))
