"""Runs README.md's `build-tree` block as written (meson test
python-readme-build-tree): from a scratch directory standing in for the
repository root (`bindings` and `build` link to the real ones), with Debian's
python3 first on PATH and no PYTHONPATH, in a process group of its own that
is killed at the end (the block starts a tc-mock).

    run_build_tree_block.py SOURCE_ROOT BUILD_ROOT"""
import os
import signal
import subprocess
import sys
import tempfile

from readme_block import block

here = os.path.dirname(os.path.abspath(__file__))
source_root, build_root = sys.argv[1:3]
with open(os.path.join(here, "..", "README.md")) as f:
    script = block(f.read(), "build-tree")

with tempfile.TemporaryDirectory(prefix="tc-readme-") as root:
    os.symlink(os.path.join(source_root, "bindings"), os.path.join(root, "bindings"))
    os.symlink(build_root, os.path.join(root, "build"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TC_MOCK_URL")}
    env["PATH"] = "/usr/bin:/bin:" + env.get("PATH", "")
    proc = subprocess.Popen(["sh", "-eu", "-c", script], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        out = "(timed out after 120 s)"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # the block's own group: its mock, if still running
        except ProcessLookupError:
            pass
        proc.wait()
print(out)
ok = proc.returncode == 0 and "conduit deleted" in out and "the view holds 4 subscription(s) of user 1337" in out
print("ok: the build-tree block ran" if ok else f"not ok: the build-tree block (exit {proc.returncode})")
sys.exit(0 if ok else 1)
