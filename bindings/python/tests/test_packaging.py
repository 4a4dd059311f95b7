"""The two build files agree with the package and with each other: the pip
project (meson.build) and the in-tree build (intree/meson.build) install
every module of twitchconduits/ and py.typed, and the version in VERSION
(the pip package's) is the loaded library's."""
import os
import re
import tomllib

import twitchconduits as tc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def installed_sources(build_file):
    with open(os.path.join(ROOT, build_file)) as f:
        text = f.read()
    block = re.search(r"py\.install_sources\(files\((.*?)\), subdir: 'twitchconduits'\)", text, re.S).group(1)
    return sorted(os.path.basename(p) for p in re.findall(r"'([^']+)'", block))


def test_both_builds_install_the_whole_package():
    package = sorted(f for f in os.listdir(os.path.join(ROOT, "twitchconduits"))
                     if f.endswith(".py") or f == "py.typed")
    assert "py.typed" in package and "aio.py" in package
    assert installed_sources("meson.build") == package
    assert installed_sources(os.path.join("intree", "meson.build")) == package


def test_one_version():
    with open(os.path.join(ROOT, "VERSION")) as f:
        version = f.read().strip()
    assert tc.__version__ == version == tc._swig.tc_version()[0]
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    # pip's version is meson's project version, which is read from VERSION
    assert project["project"]["dynamic"] == ["version"] and "version" not in project["project"]
    assert project["build-system"]["build-backend"] == "mesonpy"
    with open(os.path.join(ROOT, "meson.build")) as f:
        assert re.search(r"version: files\('VERSION'\)", f.read())
