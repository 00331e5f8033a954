#!/usr/bin/python3
# library-bench.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

# The phone's Photos library costs little on top of listing DCIM: `keepsake-cli list --json`
# (device ready → files, assets, flags and albums listed, Photos.sqlite fetched over AFC and
# read) against the same with the phone's PhotoData folder moved away (device ready → DCIM
# listed alone). Time ratio, goal <= 1.3, for a library of --count assets (default 50,000),
# both with an empty cache (the phone just plugged in, its database new to us) and with the
# database already cached (plugged in again). Each figure is the median of --runs runs.
# Usage (meson sets the environment):
#   meson test -C _build --benchmark -v library-bench
# argv[1]: keepsake-cli.

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
from emulator import Emulator  # noqa: E402


def timed_list(cli, env, cache=None):
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
    start = time.monotonic()
    r = subprocess.run([cli, '--json', 'list'], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if r.returncode != 0:
        raise SystemExit('list failed (%d): %s' % (r.returncode, r.stderr))
    return seconds, json.loads(r.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('cli')
    parser.add_argument('--count', type=int, default=50000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--ios', type=int, default=17)
    parser.add_argument('--media', help='keep the generated library in this folder and reuse it '
                        'next time (made once; it takes a while at 50,000 assets)')
    parser.add_argument('--generate-only', action='store_true',
                        help='with --media: make the library, time nothing')
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='library-bench-')
    media = args.media or os.path.join(tmp, 'media')
    stamp = os.path.join(media, '.library-bench-%d-ios%d' % (args.count, args.ios))
    failed = False
    try:
        if not os.path.exists(stamp):
            shutil.rmtree(media, ignore_errors=True)
            start = time.monotonic()
            subprocess.run([os.environ['KS_SAMPLE_LIBRARY'], '--out', media, '--count', str(args.count),
                            '--fast', '--ios', str(args.ios), '--seed', '11'], check=True, stdout=sys.stderr)
            print('library of %d assets (iOS %d schema) made in %.1f s'
                  % (args.count, args.ios, time.monotonic() - start), file=sys.stderr)
            open(stamp, 'w').close()
        if args.generate_only:
            return 0
        with Emulator(['--device', media, '--name', 'Bench iPhone']) as emu:
            cache = os.path.join(tmp, 'cache')
            env = emu.env({'XDG_DATA_HOME': os.path.join(tmp, 'data'), 'XDG_CACHE_HOME': cache})
            figures = {}
            for mode in ('cold', 'warm'):
                with_db = []
                for _ in range(args.runs):
                    seconds, doc = timed_list(args.cli, env, cache if mode == 'cold' else None)
                    with_db.append(seconds)
                albums = len(doc['albums'])
                assert albums > 0, 'no albums listed: the database was not read'
                figures[mode] = statistics.median(with_db)

            # The same phone without its Photos library: DCIM alone.
            shutil.move(os.path.join(media, 'PhotoData'), os.path.join(tmp, 'PhotoData'))
            alone = []
            for _ in range(args.runs):
                seconds, doc = timed_list(args.cli, env, cache)
                alone.append(seconds)
            assert doc['albums'] == []
            baseline = statistics.median(alone)

            for mode in ('cold', 'warm'):
                ratio = figures[mode] / baseline
                print('%d assets, %s cache: DCIM + Photos library (%d albums) %.2f s, DCIM alone %.2f s, '
                      'ratio %.2f (goal <= 1.3)' % (args.count, mode, albums, figures[mode], baseline, ratio))
                failed |= ratio > 1.3
    finally:
        # A kept library gets its Photos library back for the next run.
        if args.media and os.path.isdir(os.path.join(tmp, 'PhotoData')):
            shutil.move(os.path.join(tmp, 'PhotoData'), os.path.join(media, 'PhotoData'))
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
