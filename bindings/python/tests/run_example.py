"""Run examples/workflow.py against a fresh tc-mock (meson test 'python-example')."""
import os
import re
import subprocess
import sys
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
mock = subprocess.Popen([os.environ["TC_MOCK"], "--port", "0", "--allow-http-callbacks"],
                        stdout=subprocess.PIPE, text=True)
try:
    url = re.search(r"http://\S+", mock.stdout.readline()).group(0)
    out = subprocess.run([sys.executable, os.path.join(here, "..", "examples", "workflow.py"), url],
                         capture_output=True, text=True, timeout=60)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    ok = out.returncode == 0 and "conduit deleted" in out.stdout and out.stdout.count("  created") == 3
    with urllib.request.urlopen(url + "/_mock/stats") as r:
        print(r.read().decode())
    sys.exit(0 if ok else 1)
finally:
    mock.terminate()
    mock.wait(10)
