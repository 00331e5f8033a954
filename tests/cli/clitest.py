# clitest.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared pieces of the keepsake-cli tests: a TAP runner, running the CLI against the
emulated iPhone, and checks on a backup folder (byte-identical files, honest index, no
temporary files, sound catalog). Standard library only; run with /usr/bin/python3.

In the ASan/UBSan build every keepsake-cli these tests start runs with LeakSanitizer on
(ASAN_OPTIONS detect_leaks=1, the suppressions of tests/lsan.supp, as tests/meson.build sets
them) and writes its sanitizer reports to files of the test case's own folder: a leak, a
memory error or undefined behaviour in the CLI or in the core code it runs fails the case,
also for a CLI started with Popen and its stderr thrown away. In the plain build the options
are ignored."""

import configparser
import hashlib
import json
import os
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
from emulator import Emulator, EmulatorError, make_sample_library  # noqa: E402,F401

CLI = None
TMP_MARK = '.keepsake-tmp-'
SANITIZER_DIR = None   # per test case; sanitizer reports land in keepsake-cli.<pid> files
SANITIZER_REPORT = 'keepsake-cli'
# keepsake-cli says this when something it started was still running at exit.
NO_CLEANUP = 'still running at exit'

EXIT = {
    'ok': 0, 'failed': 1, 'usage': 2, 'no-device': 3, 'locked': 4, 'not-trusted': 5,
    'usbmuxd-missing': 6, 'destination': 7, 'no-space': 8, 'some-failed': 9, 'damaged': 10,
    'cancelled': 130,
}


class Skip(Exception):
    """Raised by a case that cannot run on this machine (no root, no loop devices): TAP's
    "ok N - name # SKIP why"."""


def run_tests(cases):
    """Runs (name, function) pairs, printing TAP; exits non-zero if any failed."""
    global CLI
    CLI = sys.argv[1]
    # KS_TEST_ONLY=word runs only the cases whose name holds it (when chasing one case).
    only = os.environ.get('KS_TEST_ONLY')
    if only:
        cases = [c for c in cases if only in c[0]]
    print('1..%d' % len(cases), flush=True)
    failed = 0
    global SANITIZER_DIR
    for i, (name, func) in enumerate(cases, 1):
        tmp = tempfile.mkdtemp(prefix='ks-cli-test-')
        SANITIZER_DIR = os.path.join(tmp, 'sanitizer')
        os.mkdir(SANITIZER_DIR)
        try:
            func(tmp)
            # Also the CLIs started with Popen, whose stderr nobody read.
            check_sanitizer_reports()
            print('ok %d - %s' % (i, name), flush=True)
        except Skip as why:
            print('ok %d - %s # SKIP %s' % (i, name, why), flush=True)
        except Exception:
            failed += 1
            print('not ok %d - %s' % (i, name))
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
            sys.stdout.flush()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)


def add_options(value, *options):
    """Sanitizer options are read left to right: later ones win."""
    return ':'.join([o for o in [value] + list(options) if o])


def sanitizer_env(env):
    """LeakSanitizer on, our suppressions, reports into SANITIZER_DIR (not only stderr)."""
    assert SANITIZER_DIR is not None, 'env_for() outside run_tests()'
    log = 'log_path=' + os.path.join(SANITIZER_DIR, SANITIZER_REPORT)
    supp = os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'lsan.supp')
    lsan = env.get('LSAN_OPTIONS', '')
    if 'suppressions=' not in lsan:
        lsan = add_options(lsan, 'suppressions=' + supp)
    env['LSAN_OPTIONS'] = add_options(lsan, 'print_suppressions=0')
    env['ASAN_OPTIONS'] = add_options(env.get('ASAN_OPTIONS', ''), 'detect_leaks=1', log)
    env['UBSAN_OPTIONS'] = add_options(env.get('UBSAN_OPTIONS', ''), 'print_stacktrace=1', log)
    return env


def sanitizer_reports(pid=None):
    """{file name: text} of the reports keepsake-cli wrote (all, or those of @pid)."""
    out = {}
    if SANITIZER_DIR is None or not os.path.isdir(SANITIZER_DIR):
        return out
    for name in sorted(os.listdir(SANITIZER_DIR)):
        if pid is not None and name != '%s.%d' % (SANITIZER_REPORT, pid):
            continue
        with open(os.path.join(SANITIZER_DIR, name), 'rb') as f:
            out[name] = f.read().decode('utf-8', 'replace')
    return out


def check_sanitizer_reports(pid=None, what='keepsake-cli'):
    reports = sanitizer_reports(pid)
    assert not reports, '%s: sanitizer reports:\n%s' % (
        what, '\n'.join('%s:\n%s' % (name, text) for name, text in reports.items()))


def make_photos_library(media, ios, count=24):
    """A sample library with a Photos.sqlite in iOS @ios's schema; returns its manifest (what
    the generator wrote: [library] counts, [albums] name = count)."""
    manifest = media + '.ini'
    subprocess.run([os.environ['KS_SAMPLE_LIBRARY'], '--out', media, '--count', str(count), '--fast',
                    '--ios', str(ios), '--manifest', manifest], check=True, stdout=sys.stderr)
    m = configparser.ConfigParser(delimiters=('=',))
    m.optionxform = str
    m.read(manifest, encoding='utf-8')
    return m


def env_for(emu, tmp, extra=None):
    env = emu.env() if emu is not None else dict(os.environ)
    env['XDG_DATA_HOME'] = os.path.join(tmp, 'data')
    env['XDG_CACHE_HOME'] = os.path.join(tmp, 'cache')
    env['HOME'] = env.get('HOME') if emu is not None else tmp
    if extra:
        env.update(extra)
    return sanitizer_env(env)


def cli(args, env, timeout=60, expect=None, input=None):
    """Runs keepsake-cli; returns (rc, stdout, stderr). With expect, asserts the exit code."""
    p = subprocess.Popen([CLI] + list(args), env=env, stdin=subprocess.PIPE if input else None,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise
    out = stdout.decode('utf-8', 'replace')
    err = stderr.decode('utf-8', 'replace')
    check_sanitizer_reports(p.pid, 'keepsake-cli %s (exit %d)' % (' '.join(args), p.returncode))
    # G_DEBUG=fatal-warnings (tests/meson.build): a warning or critical kills it with SIGTRAP.
    assert p.returncode >= 0, 'keepsake-cli %s: killed by signal %d\nstderr: %s' % (
        ' '.join(args), -p.returncode, err)
    assert NO_CLEANUP not in err, 'keepsake-cli %s: %s' % (' '.join(args), err)
    if expect is not None:
        assert p.returncode == expect, 'keepsake-cli %s: exit %d, expected %d\nstdout: %s\nstderr: %s' % (
            ' '.join(args), p.returncode, expect, out, err)
    return p.returncode, out, err


def read_until(pipe, text, timeout):
    """Reads @pipe until @text has come (returns what was read) or @timeout seconds pass."""
    seen = b''
    end = time.monotonic() + timeout
    while text not in seen:
        left = end - time.monotonic()
        assert left > 0, 'no %r within %d s: %r' % (text, timeout, seen)
        if select.select([pipe], [], [], left)[0]:
            chunk = os.read(pipe.fileno(), 4096)
            assert chunk, 'the pipe closed before %r: %r' % (text, seen)
            seen += chunk
    return seen


def cli_json(args, env, timeout=60, expect=None):
    rc, out, err = cli(list(args) + ['--json'], env, timeout=timeout, expect=expect)
    try:
        doc = json.loads(out)
    except ValueError:
        raise AssertionError('not JSON (exit %d): %r\nstderr: %s' % (rc, out, err))
    return rc, doc, err


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def media_files(media):
    """{relative path under DCIM (bytes): sha256} of the emulated phone's files."""
    root = os.path.join(os.fsencode(media), b'DCIM')
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = sha256(p)
    return out


def backup_files(dest):
    """{relative path (bytes): sha256} of the photos in a backup folder (not .keepsake/)."""
    out = {}
    root = os.fsencode(dest)
    for d, dirs, files in os.walk(root):
        if d == root and b'.keepsake' in dirs:
            dirs.remove(b'.keepsake')
        for f in files:
            if TMP_MARK.encode() in f:
                continue  # see temp_files()
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = sha256(p)
    return out


def temp_files(dest):
    found = []
    for d, _, files in os.walk(os.fsencode(dest)):
        for f in files:
            if TMP_MARK.encode() in f:
                found.append(os.path.join(d, f))
    return found


def index_entries(dest):
    """{sha256: relative path (bytes)} the folder's own index claims."""
    path = os.path.join(dest, '.keepsake', 'index')
    entries = {}
    if not os.path.exists(path):
        return entries
    with open(path, 'rb') as f:
        for line in f.read().split(b'\n'):
            if not line:
                continue
            if line.startswith(b'forget '):
                entries.pop(line[7:].decode(), None)
                continue
            parts = line.split(b' ', 2)
            if len(parts) != 3 or len(parts[0]) != 64:
                continue  # a torn last line after kill -9 is allowed; it claims nothing
            entries[parts[0].decode()] = parts[2]
    return entries


def catalog_path(tmp):
    return os.path.join(tmp, 'data', os.environ.get('KS_USER_DIR_NAME', 'keepsake'), 'catalog.db')


def check_integrity(dest, tmp, media, killed=False):
    """After any interruption: nothing partial or temporary is visible, every claim is true.
    After SIGKILL a hidden temporary file may remain (nobody was left to remove it); the
    next run's check_complete() requires it gone."""
    for t in temp_files(dest):
        assert killed and os.path.basename(t).startswith(b'.'), 'temporary file left: %r' % t
    phone = set(media_files(media).values())
    files = backup_files(dest)
    for rel, h in files.items():
        assert h in phone, 'a file in the backup matches nothing on the phone: %r' % rel
    for h, rel in index_entries(dest).items():
        p = os.path.join(os.fsencode(dest), rel)
        assert os.path.exists(p), 'index claims a missing file %r' % rel
        assert sha256(p) == h, 'index claims %r has content it does not have' % rel
    db = catalog_path(tmp)
    if os.path.exists(db):
        con = sqlite3.connect(db)
        try:
            assert con.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
            # Killed before the schema was written: an empty catalog claims nothing.
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            copies = con.execute('SELECT hash, relative_path FROM copies') if 'copies' in tables else []
            for h, rel in copies:
                relb = rel if isinstance(rel, bytes) else rel.encode('utf-8', 'surrogateescape')
                p = os.path.join(os.fsencode(dest), relb)
                assert os.path.exists(p), 'catalog claims a missing copy %r' % rel
                assert sha256(p) == h, 'catalog claims %r holds content it does not' % rel
        finally:
            con.close()


def check_complete(dest, media):
    """Every file of the phone is in the backup, byte for byte (by content)."""
    phone = media_files(media)
    have = set(backup_files(dest).values())
    missing = [p for p, h in phone.items() if h not in have]
    assert not missing, 'not backed up: %r' % missing[:10]
    assert temp_files(dest) == []
