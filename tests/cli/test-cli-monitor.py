# test-cli-monitor.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli monitor and auto-backup through the emulated iPhone: a trusted phone plugged
in is backed up to the plan byte for byte with one line printed; a quick replug starts no
second run; a phone unplugged mid-run is backed up to the end when it is back, nothing
partial; a phone switched off is left alone; a locked phone waits for unlock; --device
watches one phone; an empty plan is refused like backup refuses it; Ctrl+C cancels cleanly;
a backup drive switched on that is mounted backs up the phone that is here to it."""

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from clitest import (EXIT, Emulator, Skip, backup_files, catalog_path, check_complete, check_integrity,
                     cli, cli_json, env_for, make_sample_library, run_tests)
import clitest

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'common'))
from ksdrive import LoopDrive  # noqa: E402


class Monitor:
    """keepsake-cli monitor in the background; its stdout and stderr read line by line."""

    def __init__(self, env, args=(), json_output=False):
        argv = [clitest.CLI, 'monitor'] + list(args) + (['--json'] if json_output else [])
        self.p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = queue.Queue(), queue.Queue()
        self.lines, self.err_lines = [], []
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, q):
        for raw in iter(stream.readline, b''):
            q.put(raw.decode('utf-8', 'replace').rstrip('\n'))

    def _drain(self):
        while not self.out.empty():
            self.lines.append(self.out.get())
        while not self.err.empty():
            self.err_lines.append(self.err.get())

    def wait(self, pred, timeout, what):
        """Waits until pred(stdout lines, stderr lines) is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._drain()
            if pred(self.lines, self.err_lines):
                return
            assert self.p.poll() is None, 'monitor exited %d while waiting for %s\n%s\n%s' % (
                self.p.returncode, what, self.lines, self.err_lines)
            time.sleep(0.05)
        raise AssertionError('timed out waiting for %s\nstdout: %s\nstderr: %s' % (
            what, self.lines, self.err_lines))

    def events(self, name=None):
        self._drain()
        docs = [json.loads(line) for line in self.lines]
        return [d for d in docs if name is None or d.get('event') == name]

    def stop(self, expect=EXIT['cancelled']):
        """Ctrl+C; returns (stdout lines, stderr lines)."""
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise
        for t in self.threads:
            t.join(5)
        self._drain()
        err = '\n'.join(self.err_lines)
        clitest.check_sanitizer_reports(self.p.pid, 'keepsake-cli monitor')
        assert clitest.NO_CLEANUP not in err, err
        assert self.p.returncode == expect, (self.p.returncode, self.lines, self.err_lines)
        return self.lines, self.err_lines


def setup(tmp, count=8, seed=31):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, count, seed=seed)
    os.mkdir(dest)
    return media, dest


def add_plan(env, dest):
    cli(['destinations', 'add', dest], env, expect=0)


def runs(env):
    rc, st, _ = cli_json(['status'], env, expect=0)
    return st['runs']


def finished(lines, errs):
    return len(lines) >= 1


def test_plugged_in(tmp):
    media, dest = setup(tmp)
    with Emulator(['--device', media, '--name', 'Home iPhone']) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        emu.control('detach')
        m = Monitor(env)
        time.sleep(1)
        assert m.lines == [] and backup_files(dest) == {}
        emu.control('attach')
        m.wait(finished, 60, 'the run line')
        time.sleep(1)
        lines, errs = m.stop()
        assert len(lines) == 1, lines
        assert 'Home iPhone (%s)' % emu.udid() in lines[0] and 'Copied ' in lines[0], lines
        assert any('Backing up Home iPhone' in e for e in errs), errs
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        r = runs(env)
        assert len(r) == 1 and r[0]['origin'] == 'monitor' and r[0]['status'].startswith('completed'), r


def test_quick_replug_json(tmp):
    media, dest = setup(tmp)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        m = Monitor(env, json_output=True)
        m.wait(lambda out, err: any('"finished"' in line for line in out), 60, 'finished')
        # Out and back in within a second: the same plug-in.
        emu.control('detach')
        time.sleep(0.3)
        emu.control('attach')
        time.sleep(5)   # two device polls and the settle time
        lines, _ = m.stop()
        docs = [json.loads(line) for line in lines]
        assert [d['event'] for d in docs] == ['started', 'finished'], docs
        done = docs[1]
        assert done['command'] == 'monitor' and done['device'] == emu.udid(), done
        assert done['exit_code'] == 0 and done['origin'] == 'monitor' and done['failed'] == 0, done
        assert done['copied'] == len(backup_files(dest)) > 0, done
        check_complete(dest, media)
        assert len(runs(env)) == 1, runs(env)


def test_unplugged_mid_run(tmp):
    media, dest = setup(tmp, count=10)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(media) for f in fs)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        # The phone drops off half-way through the data, in the middle of a file.
        assert emu.control('fail-after %d' % (total // 2)).startswith('ok')
        m = Monitor(env, json_output=True)
        m.wait(lambda out, err: any('"finished"' in line for line in out), 60, 'the lost run')
        check_integrity(dest, tmp, media)
        assert 0 < len(backup_files(dest)) < len(set(clitest.media_files(media).values()))
        emu.control('attach')
        m.wait(lambda out, err: sum('"finished"' in line for line in out) >= 2, 60, 'the resumed run')
        lines, _ = m.stop()
        finished_docs = [json.loads(line) for line in lines if '"finished"' in line]
        assert len(finished_docs) == 2, finished_docs
        assert finished_docs[0]['exit_code'] != 0 and finished_docs[0]['error']['message'], finished_docs
        assert finished_docs[1]['exit_code'] == 0, finished_docs
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        r = runs(env)
        assert len(r) == 2 and r[0]['status'].startswith('completed'), r


def test_switched_off(tmp):
    media, dest = setup(tmp, count=4)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        udid = emu.udid()
        rc, doc, _ = cli_json(['auto-backup', udid], env, expect=0)
        assert doc['auto_backup'] == 'default' and doc['monitor_backs_up'], doc
        rc, out, _ = cli(['auto-backup', udid, 'off'], env, expect=0)
        assert 'off' in out, out
        rc, doc, _ = cli_json(['auto-backup', udid], env, expect=0)
        assert doc['auto_backup'] == 'off' and not doc['monitor_backs_up'], doc
        cli(['auto-backup', udid, 'maybe'], env, expect=EXIT['usage'])
        cli(['auto-backup'], env, expect=EXIT['usage'])
        # Full device backups: off unless switched on, apart from the plug-in switch.
        assert doc['full_backups'] is False, doc
        rc, doc, _ = cli_json(['auto-backup', udid, '--full', 'on'], env, expect=0)
        assert doc['full_backups'] is True and doc['auto_backup'] == 'off', doc
        cli(['auto-backup', udid, '--full', 'maybe'], env, expect=EXIT['usage'])
        rc, doc, _ = cli_json(['auto-backup', udid, '--full', 'off'], env, expect=0)
        assert doc['full_backups'] is False, doc

        m = Monitor(env)
        time.sleep(5)
        lines, _ = m.stop()
        assert lines == [], lines
        assert backup_files(dest) == {} and runs(env) == []

        # Switched on again: the monitor backs it up.
        cli(['auto-backup', udid, 'on'], env, expect=0)
        m = Monitor(env)
        m.wait(finished, 60, 'the run line')
        m.stop()
        check_complete(dest, media)


def test_locked(tmp):
    media, dest = setup(tmp, count=4)
    with Emulator(['--device', media, '--locked']) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        m = Monitor(env)
        m.wait(lambda out, err: any('nlock' in e for e in err), 30, 'the unlock message')
        time.sleep(3)
        assert m.lines == [] and runs(env) == [], (m.lines, runs(env))
        emu.control('unlock')
        m.wait(finished, 60, 'the run line')
        time.sleep(1)
        lines, errs = m.stop()
        assert len(lines) == 1 and 'Copied ' in lines[0], lines
        assert sum('nlock' in e for e in errs) == 1, errs   # said once, not every retry
        check_complete(dest, media)
        assert len(runs(env)) == 1


def test_other_device_and_empty_plan(tmp):
    media, dest = setup(tmp, count=2)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, out, _ = cli(['--help'], env, expect=0)
        assert 'monitor [--device UDID]' in out and 'auto-backup UDID [on|off|default]' in out, out
        # No destination: the sentence and the exit code backup uses.
        rc, out, err = cli(['monitor'], env, expect=EXIT['usage'])
        rc2, _, err2 = cli(['backup'], env, expect=EXIT['usage'])
        assert err == err2 and 'No backup destination' in err, (err, err2)
        rc, doc, _ = cli_json(['monitor'], env, expect=EXIT['usage'])
        assert doc['error']['code'] == 'usage', doc

        add_plan(env, dest)
        m = Monitor(env, ['--device', '00008030-0000000000000000'])
        time.sleep(4)
        lines, _ = m.stop()
        assert lines == [] and runs(env) == [], lines


def test_sigint_mid_run(tmp):
    media, dest = setup(tmp, count=10)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(media) for f in fs)
    with Emulator(['--device', media, '--rate', str(max(total // 4, 1))]) as emu:
        env = env_for(emu, tmp)
        add_plan(env, dest)
        m = Monitor(env)
        deadline = time.monotonic() + 30
        while not backup_files(dest) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backup_files(dest), 'nothing copied'
        lines, _ = m.stop()
        assert len(lines) == 1 and 'cancelled' in lines[0].lower(), lines
        check_integrity(dest, tmp, media)
        assert [r['status'] for r in runs(env)] == ['cancelled'], runs(env)


def test_drive_plugged_in(tmp):
    """A drive destination switched on: mounted while the phone is here, the phone's run fills
    it; mounted with no phone, the monitor says to plug one in."""
    media, dest = setup(tmp)
    try:
        drive = LoopDrive(tmp, 'PASSPORT').__enter__()
    except LoopDrive.Unavailable as why:
        raise Skip(str(why))
    try:
        drive.mount()
        on_drive = os.path.join(drive.mnt, 'Photos')
        os.mkdir(on_drive)
        with Emulator(['--device', media, '--name', 'Home iPhone']) as emu:
            env = env_for(emu, tmp)
            add_plan(env, dest)
            rc, doc, _ = cli_json(['destinations', 'add', on_drive], env, expect=0)
            drive_id = doc['destination']['id']
            rc, doc, _ = cli_json(['auto-backup', '--drive', drive_id], env, expect=0)
            assert doc['on_plug_in'] is False, doc
            cli(['auto-backup', '--drive', drive_id, 'maybe'], env, expect=EXIT['usage'])
            cli(['auto-backup', '--drive', 'no-such-drive', 'on'], env, expect=EXIT['usage'])
            cli(['auto-backup', '--drive', dest, 'on'], env, expect=EXIT['usage'])   # a folder
            rc, doc, _ = cli_json(['auto-backup', '--drive', drive_id, 'on'], env, expect=0)
            assert doc['on_plug_in'] is True and doc['destination'] == drive_id, doc
            assert sqlite3.connect(catalog_path(tmp)).execute(
                'SELECT value FROM plan_settings WHERE key = ?',
                ('destination/%s/auto-backup' % drive_id,)).fetchall() == [('true',)]
            drive.unmount()

            m = Monitor(env, json_output=True)
            m.wait(lambda lines, errs: len(m.events('finished')) == 1, 90, "the phone's own run")
            check_complete(dest, media)
            drive.mount()
            m.wait(lambda lines, errs: len(m.events('finished')) == 2, 90, "the drive's run")
            check_complete(on_drive, media)

            drive.unmount()
            emu.control('detach')
            time.sleep(6)   # longer than the settle time
            drive.mount()
            m.wait(lambda lines, errs: m.events('drive'), 30, 'the drive event')
            assert m.events('drive')[0]['destination'] == drive_id, m.events('drive')
            m.stop()
            assert len(m.events('finished')) == 2, m.lines
    finally:
        drive.close()


run_tests([
    ('plugged in: backed up byte for byte, one line, one run by "monitor"', test_plugged_in),
    ('a backup drive plugged in: the phone here is backed up to it; none here: said',
     test_drive_plugged_in),
    ('quick replug: still one run; --json events', test_quick_replug_json),
    ('unplugged mid-run: resumed when back, nothing partial', test_unplugged_mid_run),
    ('switched off: no run; auto-backup on/off/default', test_switched_off),
    ('locked: told once, no run until unlock, then one', test_locked),
    ('--device other UDID: no run; empty plan: exit 2 as backup', test_other_device_and_empty_plan),
    ('Ctrl+C mid-run: exit 130, nothing partial, run cancelled', test_sigint_mid_run),
])
