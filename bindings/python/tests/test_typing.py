"""The pure-Python layer is typed (py.typed): every public function, method
and property of the package has annotations that resolve, and mypy (Debian's
python3-mypy) accepts the package and the examples with the settings in
pyproject.toml."""
import inspect
import os
import subprocess
import sys
import typing

import twitchconduits as tc
from twitchconduits import aio

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def public_callables():
    """(name, function) for every public function of the package's modules
    and every public method/property of its public classes."""
    seen = set()
    for mod in (tc, aio):
        for name, obj in vars(mod).items():
            if name.startswith("_") or not getattr(obj, "__module__", "").startswith("twitchconduits"):
                continue
            if inspect.isfunction(obj):
                seen.add((f"{obj.__module__}.{name}", obj))
            elif inspect.isclass(obj) and not issubclass(obj, (tc.Error, int)):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") and attr not in ("__init__", "__await__", "__iter__", "__next__",
                                                             "__enter__", "__len__", "__getitem__", "__call__"):
                        continue
                    fn = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if inspect.isfunction(fn):
                        seen.add((f"{obj.__module__}.{obj.__name__}.{attr}", fn))
    return sorted(seen, key=lambda x: x[0])


def test_py_typed_is_shipped():
    assert os.path.isfile(os.path.join(os.path.dirname(tc.__file__), "py.typed"))


def test_every_public_callable_is_annotated():
    found = public_callables()
    assert len(found) > 100, [n for n, _ in found]   # the walk really reached the API
    missing = []
    for name, fn in found:
        hints = typing.get_type_hints(fn)              # raises if an annotation does not resolve
        params = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("self", "cls")]
        unannotated = [p.name for p in params if p.name not in hints]
        if unannotated or "return" not in hints:
            missing.append(f"{name}: {unannotated or 'return'}")
    assert not missing, missing


def test_future_is_generic_in_its_result():
    hints = typing.get_type_hints(tc.Client.submit_create_conduit)
    assert hints["return"] == tc.Future[tc.Conduit]
    assert typing.get_type_hints(tc.Client.create_conduit)["return"] is tc.Conduit


def test_mypy_accepts_the_package_and_examples():
    env = dict(os.environ, MYPYPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "mypy", "--config-file", os.path.join(ROOT, "pyproject.toml"),
                          os.path.join(ROOT, "twitchconduits"), os.path.join(ROOT, "examples")],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success" in out.stdout
