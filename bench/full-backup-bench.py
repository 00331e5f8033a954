#!/usr/bin/python3
# full-backup-bench.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

# Full device backups of the same emulated iPhone: `keepsake-cli full-backup` against Debian's
# `idevicebackup2 backup --full` (throughput ratio, goal >= 1.0), unthrottled and at
# --rate 35000000; then an incremental run with nothing new against `keepsake-cli list`
# (time ratio, goal <= 2). Usage (meson sets the environment):
#   meson test -C _build --benchmark -v full-backup-bench
# argv[1]: keepsake-cli; --count N photos (default 2000).

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
from emulator import Emulator, make_sample_library  # noqa: E402


def timed(argv, env):
    start = time.monotonic()
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if r.returncode != 0:
        raise SystemExit('%s failed (%d): %s %s' % (' '.join(argv), r.returncode, r.stdout, r.stderr))
    return seconds


def tree_bytes(path):
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(root, name))
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('cli')
    parser.add_argument('--count', type=int, default=2000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='full-backup-bench-')
    media = os.path.join(tmp, 'media')
    failed = False
    try:
        make_sample_library(media, args.count, seed=7, fast=True)
        with Emulator(['--device', media, '--name', 'Bench iPhone']) as emu:
            env = emu.env({'XDG_DATA_HOME': os.path.join(tmp, 'data')})
            udid = emu.udid()
            for rate in (0, 35_000_000):
                emu.control('rate %d' % rate)
                ours = os.path.join(tmp, 'ours-%d' % rate)
                theirs = os.path.join(tmp, 'theirs-%d' % rate)
                os.makedirs(ours)
                os.makedirs(theirs)
                t_theirs = timed(['idevicebackup2', 'backup', '--full', theirs], env)
                t_ours = timed([args.cli, 'full-backup', '--to', ours, '--full'], env)
                size = tree_bytes(os.path.join(ours, udid))
                ratio = t_theirs / t_ours
                print('full backup, rate %s: keepsake %.2f s (%.1f MB/s), idevicebackup2 %.2f s '
                      '(%.1f MB/s), throughput ratio %.2f (goal >= 1.0)'
                      % (rate or 'unthrottled', t_ours, size / t_ours / 1e6, t_theirs,
                         size / t_theirs / 1e6, ratio))
                failed |= ratio < 1.0

            emu.control('rate 35000000')
            ours = os.path.join(tmp, 'ours-35000000')
            t_incr = timed([args.cli, 'full-backup', '--to', ours], env)
            t_list = timed([args.cli, 'list'], env)
            ratio = t_incr / t_list
            print('incremental with nothing new %.2f s, list %.2f s, ratio %.2f (goal <= 2)'
                  % (t_incr, t_list, ratio))
            failed |= ratio > 2.0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
