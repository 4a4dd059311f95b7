#!/usr/bin/env python3
"""Checks that lib/ keeps the layers docs/design.md draws.

The layer table is read from the design notes (the fenced block whose first
line starts with "layer"), so the diagram and this check cannot drift apart:
each row is a layer number and its folders. The rule: a file in lib/X may
include "Y/..." only when Y is X or Y's layer is below X's; folders that
share a layer never include each other. Every folder of lib/ must be in the
table. With --headers, a second rule: outside lib/capi no file calls a
public tc_* function (declared TC_API in those headers); the public types,
enums and constants are for every layer, the functions are the C API's.

usage: check_layers.py --design DESIGN_MD [--headers INCLUDE_DIR] LIB_DIR
Exit 0: clean. Exit 1: findings, one "FAIL: ..." line each. Exit 2: the
check itself could not run (no table, no such folder).
"""
import argparse
import os
import re
import sys

SOURCE_SUFFIXES = (".c", ".cpp", ".h", ".hpp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
ROW_RE = re.compile(r"^\s*(\d+)\s+((?:[a-z_]+/\s+)+)")
TC_API_RE = re.compile(r"\bTC_API\b[^;{]*?\b(tc_\w+)\s*\(")
CALL_RE = re.compile(r"\b(tc_\w+)\s*\(")
CAPI = "capi"


def die(message):
    print(f"check_layers: {message}", file=sys.stderr)
    sys.exit(2)


def read_table(design_path):
    """{folder: layer} from the first fenced block that starts with 'layer'."""
    try:
        with open(design_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        die(f"cannot read {design_path}: {e.strerror}")
    table = {}
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            if inside:
                break
            inside = i + 1 < len(lines) and lines[i + 1].lstrip().startswith("layer")
            continue
        if not inside:
            continue
        m = ROW_RE.match(line + " ")
        if m:
            for folder in m.group(2).split():
                table[folder.rstrip("/")] = int(m.group(1))
    if not table:
        die(f"{design_path} has no layer table (a fenced block starting with a 'layer' line)")
    return table


def strip_comments_and_strings(text):
    """C/C++ text with comments, string and character literals blanked."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
    return pattern.sub(lambda m: " " * len(m.group(0)) if "\n" not in m.group(0) else "\n" * m.group(0).count("\n"),
                       text)


def public_functions(include_dir):
    names = set()
    for root, _, files in os.walk(include_dir):
        for name in files:
            if name.endswith(".h"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    names.update(TC_API_RE.findall(strip_comments_and_strings(f.read())))
    if not names:
        die(f"no TC_API function declared under {include_dir}")
    return names


def sources(lib_dir):
    for root, dirs, files in os.walk(lib_dir):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.join(root, name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--design", required=True)
    ap.add_argument("--headers")
    ap.add_argument("lib_dir")
    args = ap.parse_args()
    if not os.path.isdir(args.lib_dir):
        die(f"{args.lib_dir} is not a folder")
    table = read_table(args.design)
    folders = sorted(d for d in os.listdir(args.lib_dir) if os.path.isdir(os.path.join(args.lib_dir, d)))
    functions = public_functions(args.headers) if args.headers else set()

    findings = []
    for folder in folders:
        if folder not in table:
            findings.append(f"lib/{folder}/ is not in the layer table of {args.design}")
    for path in sources(args.lib_dir):
        rel = os.path.relpath(path, args.lib_dir)
        here = rel.split(os.sep)[0] if os.sep in rel else None
        if here is None or here not in table:
            continue  # files at lib/'s top, or an unlisted folder (reported above)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for m in INCLUDE_RE.finditer(text):
            target = m.group(1)
            if "/" not in target:
                continue  # a neighbour in the same folder
            there = target.split("/")[0]
            if there == here or there not in folders:
                continue  # own folder, or not a lib/ folder (a public or system header)
            line = text.count("\n", 0, m.start()) + 1
            if there not in table:
                continue  # reported as an unlisted folder
            if table[there] > table[here]:
                findings.append(f'lib/{rel}:{line} includes "{target}": {there}/ (layer {table[there]}) '
                                f"is above {here}/ (layer {table[here]})")
            elif table[there] == table[here]:
                findings.append(f'lib/{rel}:{line} includes "{target}": {there}/ and {here}/ share layer '
                                f"{table[here]} and must not include each other")
        if functions and here != CAPI:
            code = strip_comments_and_strings(text)
            for m in CALL_RE.finditer(code):
                if m.group(1) in functions:
                    line = code.count("\n", 0, m.start()) + 1
                    findings.append(f"lib/{rel}:{line} calls the public {m.group(1)}(): only lib/capi calls "
                                    f"the C API; use the layer's own classes")
    for finding in findings:
        print(f"FAIL: {finding}")
    if findings:
        print(f"check_layers: {len(findings)} finding(s)")
        return 1
    layers = {}
    for folder, layer in table.items():
        layers.setdefault(layer, []).append(folder)
    order = " < ".join("/".join(sorted(layers[k])) for k in sorted(layers))
    print(f"check_layers: {len(folders)} folders, every include runs downward ({order})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
