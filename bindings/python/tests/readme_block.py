"""Prints one code block of a README, found by its marker: the line
``<!-- block: NAME -->`` right before the block's opening fence. The shell
blocks of bindings/python/README.md are run this way, as written:
``install`` by scripts/package-python.sh, ``build-tree`` by
run_build_tree_block.py (meson test python-readme-build-tree).

    readme_block.py NAME README.md"""
import re
import sys


def blocks(text):
    """(marker name or None, language, body) of every fenced block."""
    pattern = re.compile(r"(?:<!-- block: ([\w-]+) -->\n)?```(\w*)\n(.*?)^```$", re.S | re.M)
    return [(m.group(1), m.group(2), m.group(3)) for m in pattern.finditer(text)]


def block(text, name):
    found = [body for marker, _, body in blocks(text) if marker == name]
    if len(found) != 1:
        raise SystemExit(f"readme_block: {len(found)} blocks marked {name!r}")
    return found[0]


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        sys.stdout.write(block(f.read(), sys.argv[1]))
