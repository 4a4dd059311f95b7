#!/usr/bin/env python3
"""The catalogue's data file is well formed, its checker catches malformed
data, and what the built library serves (tcctl --json types) is exactly the
data file.

usage: test_catalogue_data.py GEN_CATALOGUE.py EVENTSUB-TYPES.json TCCTL
"""
import copy
import importlib.util
import json
import subprocess
import sys

failures = 0


def check(cond, what):
    global failures
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures += 1


def load_gen(path):
    spec = importlib.util.spec_from_file_location("gen_catalogue", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rejects(gen, doc, what):
    try:
        gen.check(doc)
    except gen.Bad as e:
        check(True, f"malformed data is refused: {what} ({e})")
        return
    check(False, f"malformed data is refused: {what}")


def main(gen_path, json_path, tcctl):
    gen = load_gen(gen_path)
    with open(json_path, encoding="utf-8") as f:
        doc = json.load(f)
    types, withdrawn = gen.check(doc)
    check(True, "the data file is well formed")
    check(len(types) == 84 and len({e["type"] for e in types}) == 79, "84 type+version entries for 79 types")
    check(len(withdrawn) == 4, "4 withdrawn versions")
    check(all("conduit" in e["transports"] for e in types), "every current type allows conduits")
    by = {(e["type"], e["version"]): e for e in types}
    check(by[("channel.follow", "2")]["newest"] and ("channel.follow", "1") not in by, "channel.follow: 2, not 1")
    check(by[("channel.update", "1")]["status"] == "deprecated" and by[("channel.update", "2")]["newest"],
          "channel.update 1 deprecated, 2 newest")
    check(by[("drop.entitlement.grant", "1")]["create_body_extra"] == {"is_batching_enabled": True},
          "drop.entitlement.grant needs is_batching_enabled")
    check(by[("channel.raid", "1")]["condition_one_of"] == [["from_broadcaster_user_id", "to_broadcaster_user_id"]],
          "channel.raid: exactly one of from/to")

    def mutated(change):
        d = copy.deepcopy(doc)
        change(d)
        return d
    rejects(gen, mutated(lambda d: d["types"][0].pop("transports")), "a missing field")
    rejects(gen, mutated(lambda d: d["types"].append(copy.deepcopy(d["types"][0]))), "an entry listed twice")
    rejects(gen, mutated(lambda d: d["types"][0].update(newest=True)), "two newest versions of a type")
    rejects(gen, mutated(lambda d: d["types"][0].update(transports=["webhook", "pigeon"])), "an unknown transport")
    rejects(gen, mutated(lambda d: d["types"][0].update(scopes=["not a scope"])), "a malformed scope")
    rejects(gen, mutated(lambda d: d["types"][0].update(condition_optional=["broadcaster_user_id"])),
            "a key both required and optional")
    rejects(gen, mutated(lambda d: d["types"][0].update(type="Channel.Follow")), "a malformed type name")
    rejects(gen, mutated(lambda d: d["types"][0].update(extra_field=1)), "an unknown field")
    rejects(gen, mutated(lambda d: d["withdrawn"][0].update(replaced_by="9")), "a replacement that does not exist")
    rejects(gen, mutated(lambda d: d.pop("withdrawn")), "a missing top-level list")

    # What the library serves equals the data file (through the public API).
    for flag, source in (([], types), (["--withdrawn"], withdrawn)):
        out = subprocess.run([tcctl, "--json", "types", *flag], capture_output=True, text=True, check=True).stdout
        served = {(e["type"], e["version"]): e for e in json.loads(out)}
        expected = {}
        for e in source:
            e = dict(e)
            e.pop("when", None)
            e.setdefault("newest", False)
            e.setdefault("authorizer", "none")
            expected[(e["type"], e["version"])] = e
        check(served == expected, "tcctl --json types %s equals the data file" % " ".join(flag))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
