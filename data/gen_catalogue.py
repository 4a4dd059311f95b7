#!/usr/bin/env python3
"""Checks data/eventsub-types.json and compiles it into a C++ table.

    gen_catalogue.py INPUT.json OUTPUT.cpp   check, then write the table
    gen_catalogue.py --check INPUT.json      check only (the tests run this)

The catalogue is compiled rather than parsed at run time: a malformed entry
then fails the build instead of a user's program, the table is constant data
(no allocation, no parse, nothing to fail at start-up), and every string has
static lifetime, so the C API hands out pointers that stay valid forever.
The mock server links the same table, so it accepts exactly these types.
"""
import json
import re
import sys

TYPE_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
KEY_RE = re.compile(r"^[a-z_]+$")
SCOPE_RE = re.compile(r"^[a-z_]+(:[a-z_]+)+(\|[a-z_]+(:[a-z_]+)+)*$")
VERSION_RE = re.compile(r"^[0-9a-z]+$")
TRANSPORTS = {"webhook": 1, "websocket": 2, "conduit": 4}
TOKENS = {"app", "app|user"}
AUTHORIZERS = {"broadcaster", "moderator", "chat_user", "user", "none", "client", "organization", "extension"}
CURRENT_STATUSES = {"ga", "beta", "deprecated"}

COMMON = {"type": str, "version": str, "condition_required": list, "condition_optional": list,
          "condition_one_of": list, "transports": list, "token": str, "scopes": list, "status": str}
CURRENT_EXTRA = {"newest": bool, "authorizer": str}
OPTIONAL_FIELDS = {"app_token_extra_scopes": list, "app_token_needs_channel_bot_or_moderator": bool,
                   "create_body_extra": dict}
WITHDRAWN_EXTRA = {"replaced_by": str, "when": str}


class Bad(Exception):
    pass


def check_strings(where, values, pattern, what):
    if len(set(values)) != len(values):
        raise Bad(f"{where}: repeated {what}")
    for v in values:
        if not isinstance(v, str) or not pattern.match(v):
            raise Bad(f"{where}: bad {what} {v!r}")


def check_entry(e, withdrawn):
    if not isinstance(e, dict):
        raise Bad("an entry is not an object")
    where = f"{e.get('type')!r} version {e.get('version')!r}"
    fields = dict(COMMON, **(WITHDRAWN_EXTRA if withdrawn else CURRENT_EXTRA))
    allowed = dict(fields, **({} if withdrawn else OPTIONAL_FIELDS))
    for name, kind in fields.items():
        if not isinstance(e.get(name), kind):
            raise Bad(f"{where}: field {name} missing or not a {kind.__name__}")
    for name, value in e.items():
        if name not in allowed:
            raise Bad(f"{where}: unknown field {name}")
        if not isinstance(value, allowed[name]):
            raise Bad(f"{where}: field {name} is not a {allowed[name].__name__}")
    if not TYPE_RE.match(e["type"]):
        raise Bad(f"{where}: bad type name")
    if not VERSION_RE.match(e["version"]):
        raise Bad(f"{where}: bad version")
    required, optional = e["condition_required"], e["condition_optional"]
    check_strings(where, required, KEY_RE, "required condition key")
    check_strings(where, optional, KEY_RE, "optional condition key")
    grouped = []
    for group in e["condition_one_of"]:
        if not isinstance(group, list) or len(group) < 2:
            raise Bad(f"{where}: a condition_one_of group needs two keys or more")
        check_strings(where, group, KEY_RE, "one-of condition key")
        grouped += group
    keys = required + optional + grouped
    if len(set(keys)) != len(keys):
        raise Bad(f"{where}: a condition key is in two lists")
    if not required and not e["condition_one_of"]:
        raise Bad(f"{where}: a condition needs a required key or a one-of group")
    transports = e["transports"]
    if not transports or any(t not in TRANSPORTS for t in transports) or len(set(transports)) != len(transports):
        raise Bad(f"{where}: transports must be a non-empty subset of {sorted(TRANSPORTS)}")
    if e["token"] not in TOKENS:
        raise Bad(f"{where}: token must be one of {sorted(TOKENS)}")
    if e["token"] == "app" and "websocket" in transports:
        raise Bad(f"{where}: an app-token-only type cannot use a websocket")
    check_strings(where, e["scopes"], SCOPE_RE, "scope")
    check_strings(where, e.get("app_token_extra_scopes", []), SCOPE_RE, "scope")
    if withdrawn:
        if e["status"] != "withdrawn":
            raise Bad(f"{where}: status of a withdrawn entry must be 'withdrawn'")
    else:
        if e["status"] not in CURRENT_STATUSES:
            raise Bad(f"{where}: status must be one of {sorted(CURRENT_STATUSES)}")
        if e["authorizer"] not in AUTHORIZERS:
            raise Bad(f"{where}: authorizer must be one of {sorted(AUTHORIZERS)}")
        if (e["authorizer"] == "none") != (not e["scopes"] and e["token"] != "app"):
            raise Bad(f"{where}: authorizer 'none' exactly when no scope is needed")


def check(doc):
    """Raises Bad naming the first problem; returns (types, withdrawn)."""
    if not isinstance(doc, dict) or set(doc) != {"about", "snapshot", "types", "withdrawn"}:
        raise Bad("the top level must be an object with about, snapshot, types and withdrawn")
    types, withdrawn = doc["types"], doc["withdrawn"]
    if not isinstance(types, list) or not types or not isinstance(withdrawn, list):
        raise Bad("types must be a non-empty list and withdrawn a list")
    for e in types:
        check_entry(e, False)
    for e in withdrawn:
        check_entry(e, True)
    seen = set()
    newest = {}
    for e in types:
        key = (e["type"], e["version"])
        if key in seen:
            raise Bad(f"{key}: listed twice")
        seen.add(key)
        if e["newest"]:
            if e["type"] in newest:
                raise Bad(f"{e['type']}: two newest versions")
            if e["status"] == "deprecated":
                raise Bad(f"{e['type']}: the newest version is deprecated")
            newest[e["type"]] = e["version"]
    for t in {e["type"] for e in types}:
        if t not in newest:
            raise Bad(f"{t}: no newest version")
    for e in withdrawn:
        key = (e["type"], e["version"])
        if key in seen:
            raise Bad(f"{key}: both current and withdrawn")
        seen.add(key)
        if (e["type"], e["replaced_by"]) not in {(x["type"], x["version"]) for x in types}:
            raise Bad(f"{key}: replaced_by names no current version")
    return types, withdrawn


def c_string(s):
    return json.dumps(s)  # JSON string escapes are valid C++ escapes for this ASCII data


def version_order(v):
    # Numbers in numeric order, then anything else ("beta"); newest last overall.
    return (0, int(v), "") if v.isdigit() else (1, 0, v)


def generate(types, withdrawn, snapshot):
    out = ["// Generated by data/gen_catalogue.py from data/eventsub-types.json: do not edit.",
           '#include "core/catalogue_table.hpp"', "", "namespace tc::catalogue {", "", "namespace {"]
    arrays = {}

    def keys(values):
        if not values:
            return "{nullptr, 0}"
        name = arrays.get(tuple(values))
        if name is None:
            name = f"k{len(arrays)}"
            arrays[tuple(values)] = name
            out.append(f"const char *const {name}[] = {{{', '.join(c_string(v) for v in values)}}};")
        return f"{{{name}, {len(values)}}}"

    def entry(e, group_names):
        one_of = group_names.get((e["type"], e["version"]))
        transports = sum(TRANSPORTS[t] for t in e["transports"])
        extra = e.get("create_body_extra")
        return ("    {" + ", ".join([
            c_string(e["type"]), c_string(e["version"]), c_string(e["status"]),
            "true" if e.get("newest") else "false",
            keys(e["condition_required"]), keys(e["condition_optional"]),
            one_of[0] if one_of else "nullptr", str(one_of[1] if one_of else 0),
            str(transports), "true" if e["token"] == "app" else "false",
            keys(e["scopes"]), c_string(e.get("authorizer", "none")),
            keys(e.get("app_token_extra_scopes", [])),
            "true" if e.get("app_token_needs_channel_bot_or_moderator") else "false",
            c_string(json.dumps(extra, separators=(",", ":"))) if extra else "nullptr",
            c_string(e["replaced_by"]) if "replaced_by" in e else "nullptr",
        ]) + "},")

    def table(name, entries):
        ordered = sorted(entries, key=lambda e: (e["type"], bool(e.get("newest")), version_order(e["version"])))
        group_names = {}
        for e in ordered:
            groups = e["condition_one_of"]
            if groups:
                gname = f"g{len(arrays)}"
                arrays[("group", e["type"], e["version"])] = gname
                members = [keys(g) for g in groups]
                out.append(f"const Keys {gname}[] = {{{', '.join(members)}}};")
                group_names[(e["type"], e["version"])] = (gname, len(groups))
        rows = [entry(e, group_names) for e in ordered]
        return name, rows

    tables = [table("kEntries", types), table("kWithdrawn", withdrawn)]
    out += ["}  // namespace", ""]
    for name, rows in tables:
        out.append(f"const Entry {name}[] = {{")
        out += rows
        out.append("};")
        count = "kEntryCount" if name == "kEntries" else "kWithdrawnCount"
        out.append(f"const size_t {count} = sizeof {name} / sizeof {name}[0];")
        out.append("")
    out.append(f"const char kSnapshot[] = {c_string(snapshot)};")
    out += ["", "}  // namespace tc::catalogue", ""]
    return "\n".join(out)


def main(argv):
    check_only = len(argv) == 3 and argv[1] == "--check"
    if not check_only and len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    source = argv[2] if check_only else argv[1]
    try:
        with open(source, encoding="utf-8") as f:
            doc = json.load(f)
        types, withdrawn = check(doc)
    except (OSError, ValueError, Bad) as e:
        sys.stderr.write(f"{source}: {e}\n")
        return 1
    if check_only:
        print(f"{source}: {len(types)} type+version entries, {len({e['type'] for e in types})} types, "
              f"{len(withdrawn)} withdrawn: well formed")
        return 0
    text = generate(types, withdrawn, doc["snapshot"])
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
