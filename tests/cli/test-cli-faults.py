# test-cli-faults.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli backup under faults, through the emulated iPhone. Usage:
test-cli-faults.py CLI fail-after|kill|interrupt [TRIALS]

fail-after: the phone drops off after a random number of bytes (seeded; the seed is printed).
kill: keepsake-cli is killed with SIGKILL at a random moment.
interrupt: detached mid-run (3), locked and replugged mid-run (4), SIGINT (130).
After every fault: no temporary or partial file visible, every claim of the folder's index and
of the catalog is true, the catalog passes integrity_check, and the next run completes."""

import os
import random
import signal
import subprocess
import sys
import time

from clitest import (EXIT, Emulator, backup_files, check_complete, check_integrity, cli, cli_json,
                     env_for, make_sample_library, media_files, run_tests)
import clitest

MODE = sys.argv[2] if len(sys.argv) > 2 else 'fail-after'
TRIALS = int(sys.argv[3]) if len(sys.argv) > 3 else 20
SEED = int(os.environ.get('KS_FAULT_SEED', random.SystemRandom().randrange(1 << 31)))
print('# %s seed %d (set KS_FAULT_SEED to repeat)' % (MODE, SEED), flush=True)
rng = random.Random(SEED)


def library(tmp, count=8, seed=21):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, count, seed=seed)
    total = sum(os.path.getsize(os.path.join(d, f))
                for d, _, fs in os.walk(media) for f in fs)
    return media, total


def trial_fail_after(tmp, emu, media, total, n):
    dest = os.path.join(tmp, 'backup-%d' % n)
    env = env_for(emu, os.path.join(tmp, 'app-%d' % n))
    budget = rng.randrange(0, total)
    print('# trial %d: fail-after %d of %d bytes' % (n, budget, total), flush=True)
    assert emu.control('fail-after %d' % budget).startswith('ok')
    rc, doc, err = cli_json(['backup', '--to', dest], env, timeout=60)
    assert rc in (EXIT['no-device'], EXIT['ok']), (rc, doc, err)
    if rc == EXIT['no-device']:
        assert doc['error']['exit_code'] == EXIT['no-device']
    check_integrity(dest, os.path.join(tmp, 'app-%d' % n), media)
    # Plugged back in: the next run finishes the job, copying only what is missing.
    assert emu.control('attach').startswith('ok')
    had = len(backup_files(dest))
    rc, doc, err = cli_json(['backup', '--to', dest], env, timeout=60, expect=0)
    assert doc['copied'] + had == len(set(media_files(media).values())), (doc, had)
    check_complete(dest, media)
    check_integrity(dest, os.path.join(tmp, 'app-%d' % n), media)


def test_fail_after(tmp):
    media, total = library(tmp)
    with Emulator(['--device', media]) as emu:
        for n in range(TRIALS):
            trial_fail_after(tmp, emu, media, total, n)


def trial_kill(tmp, emu, media, n, rate):
    app = os.path.join(tmp, 'app-%d' % n)
    dest = os.path.join(tmp, 'backup-%d' % n)
    env = env_for(emu, app)
    delay = rng.uniform(0.0, 1.2)
    assert emu.control('rate %d' % rate).startswith('ok')
    print('# trial %d: SIGKILL after %.3f s' % (n, delay), flush=True)
    p = subprocess.Popen([clitest.CLI, 'backup', '--to', dest], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.kill()
    p.wait()
    check_integrity(dest, app, media, killed=True)
    cli(['status'], env, expect=0)   # the catalog opens clean (WAL replayed)
    # The killed run is not left "running": status says it was interrupted (or, when the
    # kill came after the run was recorded as finished, completed). Killed before the run
    # began, the catalog has no run at all.
    rc, st, _ = cli_json(['status'], env, expect=0)
    assert len(st['runs']) <= 1, st['runs']
    killed = st['runs'][0]['status'] if st['runs'] else None
    assert killed in (None, 'interrupted', 'completed'), st['runs']
    assert emu.control('rate 0').startswith('ok')
    rc, doc, err = cli_json(['backup', '--to', dest], env, timeout=60, expect=0)
    check_complete(dest, media)
    check_integrity(dest, app, media)
    # Newest first: the run that just completed, then the killed one.
    rc, st, _ = cli_json(['status'], env, expect=0)
    assert st['runs'][0]['id'] == doc['run_id'] and st['runs'][0]['status'] == 'completed', st['runs']
    assert [r['status'] for r in st['runs'][1:]] == ([killed] if killed else []), st['runs']
    return killed


def test_kill(tmp):
    media, total = library(tmp, count=10)
    # Slow the phone down so that a kill lands in the middle of copying.
    with Emulator(['--device', media]) as emu:
        outcomes = [trial_kill(tmp, emu, media, n, max(total, 200000)) for n in range(TRIALS)]
    print('# killed runs: %r' % outcomes, flush=True)
    assert 'interrupted' in outcomes, outcomes


def start_backup(env, dest):
    return subprocess.Popen([clitest.CLI, 'backup', '--json', '--to', dest], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_some_copied(dest, p, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end and p.poll() is None:
        if backup_files(dest):
            return
        time.sleep(0.05)
    raise AssertionError('the backup did not get going')


def test_detach_mid_run(tmp):
    media, total = library(tmp, count=10)
    dest = os.path.join(tmp, 'backup')
    with Emulator(['--device', media, '--rate', str(total // 2)]) as emu:
        env = env_for(emu, tmp)
        p = start_backup(env, dest)
        wait_some_copied(dest, p)
        emu.control('detach')
        out, err = p.communicate(timeout=30)
        assert p.returncode == EXIT['no-device'], (p.returncode, out, err)
        check_integrity(dest, tmp, media)
        assert len(backup_files(dest)) < len(media_files(media))
        emu.control('attach')
        emu.control('rate 0')
        cli(['backup', '--to', dest], env, expect=0)
        check_complete(dest, media)


def test_locked_mid_run(tmp):
    media, total = library(tmp, count=10)
    dest = os.path.join(tmp, 'backup')
    with Emulator(['--device', media, '--rate', str(total // 2)]) as emu:
        env = env_for(emu, tmp)
        p = start_backup(env, dest)
        wait_some_copied(dest, p)
        # Locked, and the cable wobbles: the phone comes back locked.
        emu.control('lock')
        emu.control('detach')
        emu.control('attach')
        out, err = p.communicate(timeout=30)
        assert p.returncode == EXIT['locked'], (p.returncode, out, err)
        assert b'Unlock' in err
        check_integrity(dest, tmp, media)
        emu.control('unlock')
        emu.control('rate 0')
        cli(['backup', '--to', dest], env, expect=0)
        check_complete(dest, media)


def test_sigint(tmp):
    media, total = library(tmp, count=10)
    dest = os.path.join(tmp, 'backup')
    with Emulator(['--device', media, '--rate', str(total // 2)]) as emu:
        env = env_for(emu, tmp)
        p = start_backup(env, dest)
        wait_some_copied(dest, p)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == EXIT['cancelled'], (p.returncode, out, err)
        check_integrity(dest, tmp, media)
        emu.control('rate 0')
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        check_complete(dest, media)
        rc, st, _ = cli_json(['status'], env, expect=0)
        assert 'cancelled' in [r['status'] for r in st['runs']], st['runs']


if MODE == 'fail-after':
    run_tests([('%d fail-after trials: no partial file, no false claim, next run completes' % TRIALS,
                test_fail_after)])
elif MODE == 'kill':
    run_tests([('%d kill -9 trials: no partial file, clean catalog, next run completes' % TRIALS,
                test_kill)])
else:
    run_tests([
        ('detached mid-run: exit 3, resumes later', test_detach_mid_run),
        ('locked and replugged mid-run: exit 4, resumes after unlock', test_locked_mid_run),
        ('SIGINT: exit 130, nothing partial, run recorded as cancelled', test_sigint),
    ])
