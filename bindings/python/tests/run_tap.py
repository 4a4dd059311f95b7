"""Run the binding's pytest suite and report it as TAP (plan line first) for
meson's `protocol: 'tap'`. Exit status non-zero when anything failed."""
import os
import sys

import pytest


class TapReporter:
    def __init__(self, out):
        self.out = out
        self.count = 0
        self.failed = 0
        self.done = set()

    def pytest_collection_modifyitems(self, session, config, items):
        self._print(f"1..{len(items)}")

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed += 1
            self._comment(f"collection error in {report.nodeid}", report.longreprtext)

    def pytest_runtest_logreport(self, report):
        if report.nodeid in self.done:
            if report.failed:  # a teardown failure after a reported result
                self.failed += 1
                self._comment(f"teardown of {report.nodeid} failed", report.longreprtext)
            return
        name = report.nodeid.split("::", 1)[-1]
        if report.failed:
            line = f"not ok {{}} - {name}"
            self.failed += 1
        elif report.skipped:
            line = f"ok {{}} - {name} # SKIP"
        elif report.when == "call":
            line = f"ok {{}} - {name}"
        else:
            return
        self.done.add(report.nodeid)
        self.count += 1
        self._print(line.format(self.count))
        if report.failed:
            self._comment("", report.longreprtext)

    def _print(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def _comment(self, title, text):
        if title:
            self._print(f"# {title}")
        for ln in (text or "").splitlines():
            self._print(f"# {ln}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    # TAP goes to the real stdout; pytest's own report goes to stderr.
    tap = TapReporter(os.fdopen(os.dup(1), "w"))
    sys.stdout.flush()
    os.dup2(2, 1)
    rc = pytest.main(["-p", "no:cacheprovider", "--tb=short", "-q", here] + sys.argv[1:], plugins=[tap])
    tap.out.close()
    return 1 if (tap.failed or rc not in (0, 5)) else 0


if __name__ == "__main__":
    sys.exit(main())
