#!/bin/sh
# Packages the Python binding as a pip user gets it, against the library that
# scripts/check-install.sh BUILD STAGE installed into STAGE (run that first):
#  1. `pip wheel` of bindings/python (meson-python; the extension is built by
#     SWIG against the staged library that pkg-config finds);
#  2. the wheel installed into a fresh venv without system site packages, and
#     examples/workflow.py run with that venv's python against the staged
#     tc-mock (the package and the library must come from the venv and the
#     stage);
#  3. bindings/python/README.md's Install block, as written (`pip install`
#     from the directory), with HOME in the stage.
# Usage: package-python.sh BUILD_DIR STAGE_DIR   (scratch files: STAGE_DIR/python-package)
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR STAGE_DIR (after scripts/check-install.sh BUILD_DIR STAGE_DIR)" >&2; exit 2; }
build=$1
stage=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)

pc=$(find "$stage" -name twitchconduits.pc | head -n 1)
[ -n "$pc" ] || { echo "no twitchconduits.pc in $stage: run scripts/check-install.sh $build $stage first" >&2; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$(find "$stage" -name 'libtwitchconduits.so.0' | head -n 1)")
mock_exe=$(find "$stage" -name tc-mock -type f | head -n 1)
scratch=$stage/python-package
rm -rf "$scratch"
mkdir -p "$scratch/home"

# A plain Debian: its python3 (with python3-mesonpy) and pip first on PATH;
# nothing from the network; pip's cache and ~ inside the stage.
export PATH="/usr/bin:/bin:$PATH" HOME="$scratch/home" PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" LD_LIBRARY_PATH="$libdir"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV 2>/dev/null || true
version=$(pkg-config --modversion twitchconduits)
echo "staged library $version: pkg-config $pcdir, libdir $libdir"

echo "== pip wheel bindings/python"
if ! python3 -m pip wheel --no-build-isolation --no-index --no-deps -w "$scratch/dist" "$top/bindings/python" \
        >"$scratch/wheel.log" 2>&1; then
    tail -n 40 "$scratch/wheel.log" >&2
    echo "pip wheel failed (log: $scratch/wheel.log)" >&2
    exit 1
fi
wheel=$(ls "$scratch"/dist/twitchconduits-*.whl)
echo "built $(basename "$wheel")"
case $(basename "$wheel") in
    "twitchconduits-$version-"*) ;;
    *) echo "the wheel's version is not the library's $version" >&2; exit 1 ;;
esac

# The wheel holds the whole package (every module of twitchconduits/ and
# py.typed), the SWIG module and the extension, with no path into the stage.
python3 - "$wheel" "$top/bindings/python/twitchconduits" "$stage" "$scratch/ext.so" <<'EOF'
import os, subprocess, sys, zipfile
wheel, pkg, stage, ext_out = sys.argv[1:]
names = set(zipfile.ZipFile(wheel).namelist())
want = {"twitchconduits/" + f for f in os.listdir(pkg) if f.endswith(".py") or f == "py.typed"}
want.add("twitchconduits_swig.py")
missing = sorted(want - names)
assert not missing, f"the wheel lacks {missing}"
ext = [n for n in names if n.startswith("_twitchconduits_swig.") and n.endswith(".so")]
assert len(ext) == 1, f"extension module in the wheel: {ext}"
with open(ext_out, "wb") as f:
    f.write(zipfile.ZipFile(wheel).read(ext[0]))
dyn = subprocess.run(["readelf", "-d", ext_out], capture_output=True, text=True, check=True).stdout
assert stage not in dyn, f"the extension refers to the staging dir:\n{dyn}"
assert "libtwitchconduits.so.0" in dyn, f"the extension does not link libtwitchconduits.so.0:\n{dyn}"
print(f"wheel contents OK: {len(want)} package files, {ext[0]}")
EOF

echo "== fresh venv (no system site packages), pip install the wheel"
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --no-index --no-deps --quiet "$wheel"

echo "== staged tc-mock"
. "$top/scripts/staged-mock.sh"
start_staged_mock "$libdir" "$mock_exe" "$scratch/mock.log" --allow-http-callbacks
url=$mock_base
export TC_MOCK_URL="$url"

# $1: a venv. The package, the SWIG module and the extension come from its
# site-packages, the C library from the stage, and every version agrees.
check_origin() {
    (cd "$scratch" && "$1/bin/python" - "$libdir" "$version" <<'EOF'
import importlib.metadata, os, sys, sysconfig
import twitchconduits as tc, twitchconduits_swig, _twitchconduits_swig
libdir, version = sys.argv[1:]
site = sysconfig.get_paths()["purelib"]
for m in (tc, twitchconduits_swig, _twitchconduits_swig):
    assert os.path.realpath(m.__file__).startswith(os.path.realpath(site)), f"{m.__name__} from {m.__file__}"
with open("/proc/self/maps") as f:
    libs = {line.split()[-1] for line in f if "libtwitchconduits.so" in line}
assert libs and all(p.startswith(libdir) for p in libs), f"libtwitchconduits loaded from {libs}"
versions = (importlib.metadata.version("twitchconduits"), tc.__version__, tc._swig.tc_version()[0])
assert versions == (version,) * 3, f"versions (metadata, __version__, tc_version()) {versions} != {version}"
print(f"{sys.prefix}: twitchconduits {version} from {os.path.dirname(tc.__file__)}, library from {libdir}")
EOF
    )
}

echo "== examples/workflow.py with the venv's python"
check_origin "$scratch/venv"
out=$(cd "$scratch" && "$scratch/venv/bin/python" "$top/bindings/python/examples/workflow.py" "$url")
echo "$out"
echo "$out" | grep -q "conduit deleted" || { echo "the workflow did not finish" >&2; exit 1; }

echo "== README.md's Install block, as written (from the repository root)"
python3 "$top/bindings/python/tests/readme_block.py" install "$top/bindings/python/README.md" >"$scratch/install.sh"
sed 's/^/    /' "$scratch/install.sh"
if ! (cd "$top" && sh -eu "$scratch/install.sh") >"$scratch/install.log" 2>&1; then
    tail -n 40 "$scratch/install.log" >&2
    echo "the README's Install block failed (log: $scratch/install.log)" >&2
    exit 1
fi
grep "conduit deleted" "$scratch/install.log" >/dev/null || { cat "$scratch/install.log" >&2; exit 1; }
check_origin "$HOME/tc-venv"

echo "python package OK ($(($(date +%s) - started)) s)"
