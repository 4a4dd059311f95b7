#!/usr/bin/env python3
"""Keeps README.md followable as written: every fenced code block carries a
rule, in an HTML comment on the last non-blank line before it, and the rule
is checked in CI:

  <!-- check: run -->            run as written by tests/tcctl/test_readme_run.py
                                 (sh blocks by bash, python blocks by python3
                                 with the environment `tcctl mock` prints);
  <!-- check: example FILE -->   the block is verbatim in FILE, which the
                                 meson.build beside it builds and runs;
  <!-- check: ci FILE... -->     every command of the block is run by one of
                                 the FILEs, scripts CI runs (see ci_matches);
  <!-- check: layout -->         the layout diagram: see check_layout;
  <!-- check: shape NAME -->     a format the mock sends or answers (NAME in
                                 SHAPES): its header names and its JSON keys,
                                 recursively, are exactly those of the real
                                 thing test_readme_run.py captures from a
                                 running mock (<placeholders> stand for values
                                 only). Here: NAME is known and the block parses.

A block without a rule, or with an unknown one, fails. Every repository path
the README names in backticks must exist too.

Usage: test_readme.py SOURCE_ROOT [README...]   (paths under SOURCE_ROOT,
README.md by default; CI gives README.md and tools/mock/README.md, the
self-tests a fixture's variants). Prints TAP, and a "FAIL: ..." line
per failed check."""
import json
import os
import re
import shlex
import subprocess
import sys

FENCE_RE = re.compile(r"^```([A-Za-z0-9]*)\n(.*?)^```[ \t]*$", re.S | re.M)
RULE_RE = re.compile(r"^<!--\s*check:\s*(.*?)\s*-->$")
KINDS = ("run", "example", "ci", "layout", "shape")
# What test_readme_run.py captures from a running mock, by shape name.
SHAPES = {
    "webhook-verification": "the shard challenge the mock POSTs to a webhook callback",
    "webhook-notification": "a notification the mock POSTs to a webhook shard",
    "deliver-report": "the answer of POST /_mock/deliver with \"wait\":true",
    "conflict-409": "the body of a 409 to a duplicate subscription",
}
HEADER_RE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):(?: .*)?$")


def key_paths(value, prefix=""):
    """Every key of a JSON value, recursively, as a path: a.b, a[].c (the
    elements of an array share one path)."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            path = prefix + "." + k if prefix else k
            out.add(path)
            out |= key_paths(v, path)
    elif isinstance(value, list):
        for v in value:
            out |= key_paths(v, prefix + "[]")
    return out


def shape_of(body):
    """A shape block: header lines `Name: value` (then a blank line), and/or a
    JSON value. (header names or None, JSON key paths or None); ValueError
    when it is neither."""
    headers, lines = None, body.splitlines()
    if lines and HEADER_RE.match(lines[0]):
        headers = set()
        while lines and lines[0].strip():
            m = HEADER_RE.match(lines.pop(0))
            if not m:
                raise ValueError("a header block line is not `Name: value`")
            headers.add(m.group(1).lower())
    rest = "\n".join(lines).strip()
    keys = key_paths(json.loads(rest)) if rest else None
    if headers is None and keys is None:
        raise ValueError("empty")
    return headers, keys


def shape_differences(body, real_headers, real_json):
    """What a shape block gets wrong against the real thing: a list of texts."""
    headers, keys = shape_of(body)
    out = []
    if headers is not None:
        real = {h.lower() for h in real_headers}
        out += ["header %s is not sent" % h for h in sorted(headers - real)]
        out += ["header %s is sent but not shown" % h for h in sorted(real - headers)]
    if keys is not None:
        real = key_paths(real_json)
        out += ["key %s is not in the real one" % k for k in sorted(keys - real)]
        out += ["key %s is real but not shown" % k for k in sorted(real - keys)]
    return out


def read_blocks(text):
    """Every fenced block: (line, lang, body, rule words or None)."""
    blocks = []
    for m in FENCE_RE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        rule = RULE_RE.match(before)
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2),
                       rule.group(1).split() if rule else None))
    return blocks


def commands(body):
    """The commands of a shell block: continuations joined, comments
    dropped, split at && and ;, a leading sudo dropped."""
    out = []
    for line in body.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        for part in re.split(r"\s*(?:&&|;)\s*", line):
            words = part.split()
            if words and words[0] == "sudo":
                words = words[1:]
            if words:
                out.append(words)
    return out


def words_of(line):
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split()


def normal(word):
    """A path as the README writes it: ./scripts/x.sh and "$top/scripts/x.sh"
    are both scripts/x.sh."""
    for prefix in ("./", "$top/"):
        if word.startswith(prefix):
            return word[len(prefix):]
    return word


def ci_matches(command, script_lines):
    """A README command is run by a script line when its words appear in that
    line in the same order (the script may add words between them: an option
    such as --destdir, compiler flags, an output file), where a word equals
    after normal(), and the README's build directory `build` is any variable
    ($dir, "$build", ...)."""
    want = [normal(w) for w in command]
    for line in script_lines:
        have = [normal(w) for w in words_of(line)]
        i = 0
        for word in have:
            if i < len(want) and (word == want[i] or (want[i] == "build" and word.startswith("$"))):
                i += 1
        if i == len(want):
            return True
    return False


def ci_reachable(root):
    """The scripts CI runs: .ci/run and every scripts/NAME they name, transitively."""
    seen, todo = set(), [".ci/run"]
    while todo:
        path = todo.pop()
        if path in seen or not os.path.isfile(os.path.join(root, path)):
            continue
        seen.add(path)
        with open(os.path.join(root, path), encoding="utf-8") as f:
            todo += re.findall(r"scripts/[A-Za-z0-9_.-]+", f.read())
    return seen


def check_ci(root, n, body, files):
    results = []
    reachable = ci_reachable(root)
    lines = []
    for path in files:
        results.append((path in reachable, "block %d: %s is run by CI (from .ci/run)" % (n, path)))
        if os.path.isfile(os.path.join(root, path)):
            with open(os.path.join(root, path), encoding="utf-8") as f:
                lines += f.read().splitlines()
    for command in commands(body):
        results.append((ci_matches(command, lines), "block %d: `%s` is run by %s"
                        % (n, " ".join(command), " or ".join(files))))
    return results


def tracked_top_dirs(root):
    """The repository's top-level folders (git's view when it has one, so that
    build trees and scratch folders do not count)."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True).stdout
        names = {p.split("/", 1)[0] for p in out.splitlines() if "/" in p}
    except (OSError, subprocess.CalledProcessError):
        names = set()
    if not names:  # not a git checkout (or nothing committed yet)
        names = {d for d in os.listdir(root) if not os.path.exists(os.path.join(root, d, "meson-private"))}
    return sorted(d for d in names if not d.startswith(".") and os.path.isdir(os.path.join(root, d)))


def design_layers(root):
    """lib/'s folders top-down as docs/design.md's layer table lists them."""
    with open(os.path.join(root, "docs", "design.md"), encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"```\n\s*layer\b.*?\n(.*?)```", text, re.S)
    rows = re.findall(r"^\s*(\d+)\s+((?:[a-z_]+/\s+)+)", table.group(1) if table else "", re.M)
    rows.sort(key=lambda r: -int(r[0]))
    return [f.rstrip("/") for _, folders in rows for f in folders.split()]


def check_layout(root, n, body):
    """Each entry (`DIR/` at the start of a line, continued by indented lines)
    exists; every top-level folder has an entry; an entry that names
    subfolders (`x/`) names existing ones, and all of them; lib/'s entry
    names its layers in docs/design.md's order, top first."""
    results = []
    entries = []
    for line in body.splitlines():
        if line[:1].strip():
            head, _, rest = line.partition(" ")
            entries.append([head, rest])
        elif entries:
            entries[-1][1] += " " + line
    heads = [h.rstrip("/") for h, _ in entries]
    for head in heads:
        results.append((os.path.isdir(os.path.join(root, head)), "layout block %d: %s/ exists" % (n, head)))
    for top in tracked_top_dirs(root):
        results.append((any(h == top or h.startswith(top + "/") for h in heads),
                        "layout block %d lists %s/" % (n, top)))
    named = {}  # top-level folder -> subfolders the block names, in order
    for head, rest in entries:
        top, _, sub = head.rstrip("/").partition("/")
        words = [sub] if sub else [w.rstrip("/") for w in re.findall(r"(?<![\w./-])([a-z_]+/)(?=[\s,)]|$)", rest)]
        named.setdefault(top, []).extend(words)
    for top, subs in sorted(named.items()):
        if not subs or not os.path.isdir(os.path.join(root, top)):
            continue
        actual = sorted(d for d in os.listdir(os.path.join(root, top))
                        if os.path.isdir(os.path.join(root, top, d)) and not d.startswith((".", "__")))
        results.append((sorted(set(subs)) == actual, "layout block %d: %s/ names its subfolders (%s; there are %s)"
                        % (n, top, " ".join(sorted(set(subs))), " ".join(actual))))
    layers = design_layers(root)
    results.append((named.get("lib") == layers,
                    "layout block %d: lib/ lists the layers top-down as docs/design.md (%s)" % (n, " ".join(layers))))
    return results


def check_example(root, n, body, args):
    if len(args) != 1:
        return [(False, "block %d: `example` takes one file" % n)]
    path = args[0]
    try:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            source = f.read()
    except OSError:
        return [(False, "block %d: %s does not exist" % (n, path))]
    meson = os.path.join(root, os.path.dirname(path), "meson.build")
    built = os.path.isfile(meson) and ("'%s'" % os.path.basename(path)) in open(meson, encoding="utf-8").read()
    return [(body in source, "block %d appears verbatim in %s" % (n, path)),
            (built, "block %d: %s is built by %s" % (n, path, os.path.relpath(meson, root)))]


def check_shape(where, body, args):
    if len(args) != 1 or args[0] not in SHAPES:
        return [(False, "%s: `shape` names one of %s" % (where, ", ".join(sorted(SHAPES))))]
    try:
        shape_of(body)
        return [(True, "%s: a %s shape (compared with the real one by readme-run)" % (where, args[0]))]
    except ValueError as e:
        return [(False, "%s: a shape block is header lines and/or JSON (%s)" % (where, e))]


def main():
    root = sys.argv[1]
    results = []
    for readme in sys.argv[2:] or ["README.md"]:
        with open(os.path.join(root, readme), encoding="utf-8") as f:
            results += check_readme(root, readme, f.read())

    print("1..%d" % len(results))
    for i, (ok, what) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
        if not ok:
            print("# FAIL: %s" % what)
    return 0 if results and all(ok for ok, _ in results) else 1


def check_readme(root, readme, text):
    results = []
    blocks = read_blocks(text)
    for n, (line, lang, body, rule) in enumerate(blocks, 1):
        where = "%s block %d (line %d, ```%s)" % (readme, n, line, lang)
        if not rule or rule[0] not in KINDS:
            results.append((False, "%s has a rule: <!-- check: %s --> before it" % (where, "|".join(KINDS))))
            continue
        kind, args = rule[0], rule[1:]
        if kind == "run":
            results.append((lang in ("sh", "python") and not args, "%s: run as written (%s)" % (where, lang)))
        elif kind == "example":
            results += check_example(root, n, body, args)
        elif kind == "ci":
            results += check_ci(root, n, body, args) if args else [(False, "%s: `ci` names no script" % where)]
        elif kind == "layout":
            results += check_layout(root, n, body)
        elif kind == "shape":
            results += check_shape(where, body, args)
    results.append((len(blocks) > 0, "%s has code blocks (%d)" % (readme, len(blocks))))

    paths = sorted(set(re.findall(
        r"`((?:examples|scripts|bench|docs|tools|bindings|data|tests|include|lib|abi)/[A-Za-z0-9_./-]+)`", text)))
    for path in paths:
        clean = path.rstrip("/.")
        if "*" in clean or "<" in clean:
            continue
        results.append((os.path.exists(os.path.join(root, clean)), "%s path %s exists" % (readme, clean)))
    return results


if __name__ == "__main__":
    sys.exit(main())
