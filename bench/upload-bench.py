#!/usr/bin/python3
# upload-bench.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

# Uploads to SFTP on 127.0.0.1 (a real sshd started here, see tests/cli/servers.py):
# `keepsake-cli backup --source DIR` to an SFTP destination (every file verified by the
# server's MD5 before it counts) against `rclone copy DIR remote:` of the same files (which
# also checks MD5 after each upload). Prints both times and the ratio rclone ÷ Keepsake
# (a throughput ratio: goal >= 0.9). Each side uploads into an empty folder; the best of
# --runs runs counts. Needs root (a temporary user for sshd). Usage (meson sets the
# environment):
#   meson test -C _build --benchmark -v upload-bench
# argv[1]: keepsake-cli; --count N files of --size BYTES (default 200 × 2 MB).

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'cli'))
from servers import SshServer  # noqa: E402


CPU = {}


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv, env):
    """Wall seconds; the CPU seconds of the command and the processes it waited for (its
    rclone) are kept in CPU[argv[0]] (a list, one figure per call)."""
    start = time.monotonic()
    cpu = cpu_of_children()
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    CPU.setdefault(os.path.basename(argv[0]), []).append(cpu_of_children() - cpu)
    if r.returncode != 0:
        raise SystemExit('%s failed (%d): %s %s' % (' '.join(argv), r.returncode, r.stdout, r.stderr))
    return seconds


def fresh_dir(server, name):
    path = os.path.join(server.dir, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    os.chown(path, server.account.uid, server.account.gid)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('cli')
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--size', type=int, default=2_000_000)
    parser.add_argument('--runs', type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='upload-bench-')
    try:
        src = os.path.join(tmp, 'phone', 'DCIM', '100APPLE')
        os.makedirs(src)
        for i in range(args.count):
            with open(os.path.join(src, 'IMG_%04d.JPG' % i), 'wb') as f:
                f.write(os.urandom(args.size))
        total = args.count * args.size

        with SshServer(tmp) as server:
            obscured = subprocess.run(['rclone', 'obscure', '-'], input=server.password, text=True,
                                      capture_output=True, check=True).stdout.strip()
            # The remote in rclone's environment, as Keepsake passes it (no secret in argv).
            rclone_env = dict(os.environ, RCLONE_CONFIG_BENCH_TYPE='sftp',
                              RCLONE_CONFIG_BENCH_HOST='127.0.0.1',
                              RCLONE_CONFIG_BENCH_PORT=str(server.port),
                              RCLONE_CONFIG_BENCH_USER=server.user,
                              RCLONE_CONFIG_BENCH_PASS=obscured)
            ours, theirs = [], []
            for run in range(args.runs):
                data = os.path.join(tmp, 'data-%d' % run)
                env = dict(os.environ, XDG_DATA_HOME=data, XDG_CACHE_HOME=os.path.join(tmp, 'cache'),
                           HOME=tmp)
                dest = fresh_dir(server, 'keepsake-%d' % run)
                location = 'sftp://%s@127.0.0.1:%d%s' % (server.user, server.port, dest)
                timed([args.cli, 'destinations', 'add', location, '--password-file',
                       server.password_file] + server.trust_args(), env)
                ours.append(timed([args.cli, 'backup', '--source', os.path.dirname(src)], env))

                dest = fresh_dir(server, 'rclone-%d' % run)
                theirs.append(timed(['rclone', '--config=', 'copy', os.path.dirname(src),
                                     'bench:' + dest], rclone_env))
                print('run %d: keepsake %.2f s (CPU %.2f s), rclone copy %.2f s (CPU %.2f s)'
                      % (run + 1, ours[-1], CPU[os.path.basename(args.cli)][-1], theirs[-1],
                         CPU['rclone'][-1]), flush=True)

        best_ours, best_theirs = min(ours), min(theirs)
        print('%d files, %.1f MB' % (args.count, total / 1e6))
        print('keepsake-cli backup to SFTP: %.2f s (%.1f MB/s)' % (best_ours, total / 1e6 / best_ours))
        print('rclone copy to SFTP:         %.2f s (%.1f MB/s)' % (best_theirs, total / 1e6 / best_theirs))
        ratio = best_theirs / best_ours
        print('ratio (Keepsake throughput ÷ rclone copy): %.2f (goal >= 0.9): %s'
              % (ratio, 'met' if ratio >= 0.9 else 'NOT met'))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
