#!/usr/bin/env python3
"""Meson's entry points for the Go binding (see meson.build).

  mesonrun.py test  SRC BUILD        go test -json (plain, -race, then -asan with
                                     leak detection) as TAP
  mesonrun.py vet   SRC BUILD        go vet + gofmt on the hand-written files
  mesonrun.py regen SRC BUILD SWIG   regenerate the SWIG layer, fail on a diff
  mesonrun.py bench SRC BUILD        the request benchmark (bench/)

SRC is bindings/go in the source tree, BUILD the meson build root. Go's
caches live under BUILD so nothing depends on $HOME; no network is used.
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile


def go_env(src, build):
    state = os.path.join(build, 'bindings', 'go', 'gostate')
    env = dict(os.environ)
    env.update({
        'GOCACHE': os.path.join(state, 'cache'),
        'GOPATH': os.path.join(state, 'path'),
        'GOFLAGS': '-mod=mod',
        'GOPROXY': 'off',
        'GOTOOLCHAIN': 'local',
        'GOENV': 'off',
        'GO111MODULE': 'on',
        'CGO_ENABLED': '1',
        'PKG_CONFIG_PATH': os.path.join(build, 'meson-uninstalled'),
    })
    libdir = os.path.join(build, 'lib')
    env['LD_LIBRARY_PATH'] = libdir + (':' + env['LD_LIBRARY_PATH'] if env.get('LD_LIBRARY_PATH') else '')
    return env


def run_go_tests(src, env, extra):
    """One `go test -json` run: [(name, ok, output lines)], exit code."""
    cmd = ['go', 'test', '-json', '-v', '-count=1', '-timeout', '600s'] + extra + ['./...']
    p = subprocess.run(cmd, cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results, output, pkg_fail = [], {}, []
    for line in p.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            output.setdefault(('', ''), []).append(line)
            continue
        key = (ev.get('Package', ''), ev.get('Test', ''))
        act = ev.get('Action')
        if act == 'output':
            output.setdefault(key, []).append(ev.get('Output', '').rstrip('\n'))
        elif act in ('pass', 'fail', 'skip') and key[1]:
            results.append((key, act, output.get(key, [])))
        elif act == 'fail':
            pkg_fail.append((key, output.get(key, [])))
    failed_pkgs = {r[0][0] for r in results if r[1] == 'fail'}
    for key, out in pkg_fail:  # a package failed without a failing test: build error, TestMain
        if key[0] not in failed_pkgs:
            results.append(((key[0], '(package)'), 'fail', out + p.stderr.splitlines()))
    if p.returncode != 0 and not any(r[1] == 'fail' for r in results):
        results.append((('go test', '(run)'), 'fail', p.stderr.splitlines()))
    return results


def cmd_test(src, build):
    env = go_env(src, build)
    tap = []
    # -asan checks the C side too: the SWIG typemaps' copies, and every
    # completion and result freed exactly once (leaks are reported at exit).
    for label, extra in (('', []), ('race/', ['-race']), ('asan/', ['-asan'])):
        for (pkg, test), act, out in run_go_tests(src, env, extra):
            name = '%s%s %s' % (label, pkg, test)
            if act == 'fail':
                tap.append('not ok %%d - %s' % name)
                tap.extend('# ' + l for l in out)
            elif act == 'skip':
                tap.append('ok %%d - %s # SKIP' % name)
            else:
                tap.append('ok %%d - %s' % name)
    n = sum(1 for l in tap if not l.startswith('#'))
    print('1..%d' % n)
    i = 0
    for l in tap:
        if l.startswith('#'):
            print(l)
        else:
            i += 1
            print(l % i)
    return 1 if any(l.startswith('not ok') for l in tap) or n == 0 else 0


HAND_WRITTEN = ['.', './examples/...', './bench/...']


def cmd_vet(src, build):
    env = go_env(src, build)
    rc = subprocess.call(['go', 'vet'] + HAND_WRITTEN, cwd=src, env=env)
    goroot = subprocess.check_output(['go', 'env', 'GOROOT'], cwd=src, env=env, text=True).strip()
    files = [os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs
             if f.endswith('.go') and 'internal' + os.sep + 'tcswig' not in d]
    files += [os.path.join(src, 'internal', 'tcswig', 'cgoflags.go')]
    bad = subprocess.check_output([os.path.join(goroot, 'bin', 'gofmt'), '-l'] + files, text=True)
    if bad.strip():
        print('not gofmt-ed:\n' + bad)
        rc = rc or 1
    return rc


GENERATED = ['tcswig.go', 'twitchconduits_wrap.c']


def cmd_regen(src, build, swig):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(src)))
    with tempfile.TemporaryDirectory() as out:
        # Run from src with a relative input: SWIG records only 'twitchconduits.i'.
        subprocess.check_call([swig, '-go', '-cgo', '-intgosize', '64',
                               '-I' + os.path.join(repo, 'include'), '-I' + os.path.join(build, 'include'),
                               '-outdir', out, '-o', os.path.join(out, 'twitchconduits_wrap.c'),
                               'twitchconduits.i'], cwd=src)
        rc = 0
        for f in GENERATED:
            committed = os.path.join(src, 'internal', 'tcswig', f)
            if not filecmp.cmp(os.path.join(out, f), committed, shallow=False):
                subprocess.call(['diff', '-u', committed, os.path.join(out, f)])
                print('%s differs from the SWIG output: regenerate and commit it' % f)
                rc = 1
        if rc == 0:
            print('committed SWIG output is up to date')
        return rc


def cmd_bench(src, build):
    env = go_env(src, build)
    return subprocess.call(['go', 'run', './bench'], cwd=src, env=env)


def main():
    cmd, src, build = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == 'test':
        return cmd_test(src, build)
    if cmd == 'vet':
        return cmd_vet(src, build)
    if cmd == 'regen':
        return cmd_regen(src, build, sys.argv[4])
    if cmd == 'bench':
        return cmd_bench(src, build)
    sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    sys.exit(main())
