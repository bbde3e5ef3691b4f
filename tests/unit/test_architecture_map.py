"""docs/architecture.md's map of the tree stays true: every path it names
exists, and no folder it lists has anything the map leaves out.

The map is the first code block under "## What lives where". A line is a
path (a folder ends in "/"), two spaces of indent per level below the folder
above it, then what lives there. `<name>` stands for every service folder;
a service's own folder adds what only it has. A folder whose children are
not listed is not looked into."""
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
ENTRY = re.compile(r"^(?P<indent> *)(?P<path>[\w<>.-]+/?)(?:\s{2,}\S.*)?$")
NOT_LISTED = {"__init__.py", "__pycache__", "node_modules"}


def the_map():
    text = DOC.read_text()
    return text.split("## What lives where", 1)[1].split("```")[1]


def listings(text):
    """{folder path: names listed in it}, `<name>` not yet expanded."""
    listed, stack = {}, []
    for line in text.splitlines():
        match = ENTRY.match(line)
        indent = len(match["indent"]) if match else None
        if match is None or indent % 2 or indent > 2 * len(stack):
            continue                         # a description's next line
        del stack[indent // 2:]
        listed.setdefault("".join(stack), set()).add(match["path"])
        if match["path"].endswith("/"):
            stack.append(match["path"])
    return listed


def services():
    return sorted(p.name for p in (ROOT / "services").iterdir()
                  if (p / "service.py").exists())


def expand(path):
    return [path.replace("<name>", s) for s in services()] if "<name>" in path else [path]


def concrete(listed):
    """{real folder: names}, a service's folder taking the `<name>/` lines
    and its own."""
    out = {}
    for folder, names in listed.items():
        for real in expand(folder):
            out.setdefault(real, set()).update(n for name in names for n in expand(name))
    return out


def in_git():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if (ROOT / f).exists()]


def children(folder, files):
    names = {f[len(folder):].split("/")[0] + ("/" if "/" in f[len(folder):] else "")
             for f in files if f.startswith(folder)}
    return {n for n in names if n.rstrip("/") not in NOT_LISTED and not n.startswith(".")}


def test_the_map_is_found_and_lists_the_top_of_the_tree():
    assert {"services/", "gateway/", "tests/", "deploy/"} <= listings(the_map())[""]


def test_every_path_the_map_names_exists():
    missing = [folder + name for folder, names in concrete(listings(the_map())).items()
               for name in names if not (ROOT / folder / name).exists()]
    assert missing == [], f"docs/architecture.md names what is not there: {missing}"


def test_no_listed_folder_has_anything_the_map_leaves_out():
    files = in_git()
    left_out = [folder + name for folder, names in concrete(listings(the_map())).items()
                for name in sorted(children(folder, files) - names)]
    assert left_out == [], f"docs/architecture.md's map leaves out: {left_out}"


def test_a_file_added_to_a_listed_folder_is_caught():
    listed = concrete(listings("```\nservices/\n  kit/\n    db.py  the unit of work\n```"))
    assert children("services/kit/", ["services/kit/db.py", "services/kit/new.py"]) \
        - listed["services/kit/"] == {"new.py"}
