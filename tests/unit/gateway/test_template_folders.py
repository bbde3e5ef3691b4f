"""Templates are found by file name across TEMPLATE_FOLDERS, so a name may
live in one folder only, and every folder must exist."""
from collections import Counter
from pathlib import Path

from gateway.web.pages import TEMPLATE_FOLDERS

GATEWAY = Path(__file__).resolve().parents[3] / "gateway"


def test_every_template_folder_exists():
    for folder in TEMPLATE_FOLDERS:
        assert (GATEWAY / folder).is_dir(), folder


def test_no_template_name_is_in_two_folders():
    names = Counter(p.name for folder in TEMPLATE_FOLDERS
                    for p in (GATEWAY / folder).glob("*.html"))
    assert [name for name, count in names.items() if count > 1] == []


def test_every_template_in_the_tree_is_in_a_listed_folder():
    listed = {GATEWAY / folder for folder in TEMPLATE_FOLDERS}
    found = {p.parent for p in GATEWAY.rglob("*.html") if "node_modules" not in p.parts}
    assert found <= listed, sorted(str(f) for f in found - listed)

