# kstap.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Small shared pieces of the script tests (standard library only): a TAP writer whose plan
comes last, a file hash, the files under a folder and what meson says about the build."""

import hashlib
import json
import os
import sys

__all__ = ['Tap', 'sha256', 'files_under', 'build_info']


class Tap:
    """ok() prints one TAP line (and the details of a failure as comments); plan() prints the
    plan at the end and returns the exit status."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, details=()):
        self.n += 1
        print('%s %d %s' % ('ok' if cond else 'not ok', self.n, what))
        if not cond:
            self.failed += 1
            for line in details:
                print('# ' + str(line))
        sys.stdout.flush()
        return cond

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line)
        sys.stdout.flush()

    def plan(self):
        print('1..%d' % self.n)
        sys.stdout.flush()
        return 1 if self.failed else 0


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def files_under(root, skip=()):
    """Every regular file under root as a path relative to it, sorted; folders named in skip
    are left out."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        out += [os.path.relpath(os.path.join(dirpath, n), root) for n in filenames]
    return sorted(out)


def build_info(build_root):
    """(project version, {build option: value}) from the build folder's meson-info."""
    info = os.path.join(build_root, 'meson-info')
    with open(os.path.join(info, 'intro-projectinfo.json')) as f:
        version = json.load(f)['version']
    with open(os.path.join(info, 'intro-buildoptions.json')) as f:
        options = {o['name']: o['value'] for o in json.load(f)}
    return version, options
