#!/usr/bin/env python3
"""Keeps README.md's code from rotting: every ```c block must appear verbatim
in the example file the paragraph before it names (`examples/NAME.c`), and
that file is built and run by the examples suite; every repository path the
README names in backticks must exist.

Usage: test_readme.py SOURCE_ROOT        Prints TAP."""
import os
import re
import sys


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "README.md")) as f:
        text = f.read()
    results = []

    blocks = list(re.finditer(r"```c\n(.*?)```\n", text, re.S))
    for n, block in enumerate(blocks, 1):
        before = text[max(0, block.start() - 600):block.start()]
        named = re.findall(r"examples/[a-z_]+\.c", before)
        if not named:
            results.append((False, "C block %d names no examples/*.c file before it" % n))
            continue
        path = named[-1]
        try:
            with open(os.path.join(root, path)) as f:
                source = f.read()
        except OSError:
            results.append((False, "C block %d: %s does not exist" % (n, path)))
            continue
        results.append((block.group(1) in source, "C block %d appears verbatim in %s" % (n, path)))

    paths = sorted(set(re.findall(
        r"`((?:examples|scripts|bench|docs|tools|bindings|data|tests|include|lib)/[A-Za-z0-9_./-]+)`", text)))
    for path in paths:
        clean = path.rstrip("/.")
        if "*" in clean or "<" in clean:
            continue
        results.append((os.path.exists(os.path.join(root, clean)), "README path %s exists" % clean))

    print("1..%d" % len(results))
    for i, (ok, what) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    return 0 if results and all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
