"""README.md stays true: every ```python block is in an example that runs
(verbatim, up to one uniform indentation: an excerpt from inside a `with`
or `try` block), every other block is a shell block marked
``<!-- block: NAME -->`` that a test runs as written, and every path it
names in backticks exists."""
import os
import re

from readme_block import blocks

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(ROOT))
# marker -> the file that runs it (through readme_block.py)
RUNNERS = {"install": os.path.join(REPO, "scripts", "package-python.sh"),
           "build-tree": os.path.join(HERE, "run_build_tree_block.py")}


def readme():
    with open(os.path.join(ROOT, "README.md")) as f:
        return f.read()


def contains_excerpt(source, excerpt):
    """Whether the lines of `excerpt` are consecutive lines of `source`,
    each prefixed with the same indentation (blank lines match blank lines)."""
    want = excerpt.rstrip("\n").split("\n")
    lines = source.split("\n")
    for start in range(len(lines) - len(want) + 1):
        first = lines[start]
        indent = first[:len(first) - len(want[0])]
        if not first.endswith(want[0]) or indent.strip():
            continue
        if all((lines[start + i] == indent + w) if w.strip() else not lines[start + i].strip()
               for i, w in enumerate(want)):
            return True
    return False


def examples():
    d = os.path.join(ROOT, "examples")
    out = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".py"):
            with open(os.path.join(d, name)) as f:
                out[name] = f.read()
    return out


def test_python_blocks_are_in_examples():
    sources = examples()
    py = [body for _, lang, body in blocks(readme()) if lang == "python"]
    assert len(py) >= 3
    for body in py:
        assert any(contains_excerpt(src, body) for src in sources.values()), \
            f"README block not found in examples/:\n{body}"


def test_excerpt_matching_is_strict():
    src = "def f():\n    a = 1\n\n    b = 2\n"
    assert contains_excerpt(src, "a = 1\n\nb = 2\n")
    assert not contains_excerpt(src, "a = 1\nb = 2\n")
    assert not contains_excerpt(src, "a = 1\n\n  b = 2\n")


def test_every_other_block_is_run():
    seen = []
    for marker, lang, body in blocks(readme()):
        if lang == "python":
            continue
        assert lang == "sh" and marker in RUNNERS, f"block ({lang}, marker {marker}) is neither python nor run:\n{body}"
        with open(RUNNERS[marker]) as f:
            runner = f.read()
        assert "readme_block" in runner and re.search(rf"\b{re.escape(marker)}\b", runner), marker
        seen.append(marker)
    assert sorted(seen) == sorted(RUNNERS)


def test_named_paths_exist():
    # paths are the repository's (include/...) or the binding's (examples/...)
    for path in sorted(set(re.findall(r"`((?:bindings|scripts|include|examples|tests|tools)/[\w./-]+)`",
                                      readme()))):
        clean = path.rstrip("/.")
        assert os.path.exists(os.path.join(REPO, clean)) or os.path.exists(os.path.join(ROOT, clean)), path
