"""docs/layout.md lists every script in scripts/."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_docs_layout_names_every_script():
    layout = (REPO / "docs" / "layout.md").read_text()
    missing = [p.name for p in sorted((REPO / "scripts").iterdir()) if p.suffix in (".py", ".sh") and p.name not in layout]
    assert not missing, f"docs/layout.md does not list {missing}"
