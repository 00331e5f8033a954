#!/usr/bin/python3
# test-cli-full-backup.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

# keepsake-cli full-backup through the emulated iPhone: a standard backup folder, incremental
# runs that receive only what changed (the emulator's byte counters say so), hard-linked
# snapshots (a photo deleted on the phone stays in the older ones; keep 3), idevicebackup2
# reading and continuing our backups and the other way round, an unplugged phone and kill -9
# mid-backup leaving the last complete backup intact, the iOS 16.1+ passcode request, and a
# hostile phone naming files outside the backup folder. Emits TAP.

import hashlib
import os
import plistlib
import random
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import EXIT, Emulator, cli, cli_json, env_for, read_until, run_tests  # noqa: E402
import clitest  # noqa: E402

PASSCODE_SENTENCE = b'passcode on the iPhone to start the backup'


def put(media, rel, size, seed):
    path = os.path.join(media, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(random.Random(seed).randbytes(size))
    os.utime(path, (1700000000 + seed, 1700000000 + seed))


def make_media(media, n=12):
    for i in range(n):
        put(media, 'DCIM/100APPLE/IMG_%04d.JPG' % i, 20_000 + i * 3_001, i)
    put(media, 'PhotoData/Photos.sqlite', 65_536, 999)


def file_id(rel):
    return hashlib.sha1(('CameraRollDomain-Media/' + rel).encode()).hexdigest()


def stored(backup, rel):
    fid = file_id(rel)
    return os.path.join(backup, fid[:2], fid)


def media_rels(media):
    out = []
    for top in ('DCIM', 'PhotoData'):
        for root, _, names in os.walk(os.path.join(media, top)):
            for name in names:
                out.append(os.path.relpath(os.path.join(root, name), media))
    return sorted(out)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def assert_complete(backup, media):
    """A standard, finished backup that holds every media file byte for byte."""
    with open(os.path.join(backup, 'Status.plist'), 'rb') as f:
        assert plistlib.load(f)['SnapshotState'] == 'finished'
    for name in ('Info.plist', 'Manifest.plist', 'Manifest.db'):
        assert os.path.isfile(os.path.join(backup, name)), name
    with open(os.path.join(backup, 'Info.plist'), 'rb') as f:
        info = plistlib.load(f)
    assert info['Target Identifier'] and info['Product Type']
    db = sqlite3.connect('file:%s?mode=ro' % os.path.join(backup, 'Manifest.db'), uri=True)
    listed = {r[0] for r in db.execute('SELECT relativePath FROM Files WHERE flags = 1')}
    db.close()
    for rel in media_rels(media):
        assert 'Media/' + rel in listed, rel
        assert read(stored(backup, rel)) == read(os.path.join(media, rel)), rel
    for root, _, names in os.walk(backup):
        for name in names:
            assert not name.endswith('.ks-partial'), os.path.join(root, name)


def snapshot_dirs(dest, udid):
    snaps = os.path.join(dest, udid + '.snapshots')
    if not os.path.isdir(snaps):
        return []
    return sorted(n for n in os.listdir(snaps) if not n.startswith('.'))


def media_bytes(emu):
    """Bytes of photo library files the phone sent since `reset-stats` (the total also counts
    Manifest.db)."""
    return sum(emu.stats()['files'].values())


def full_backup(env, dest, expect=0, extra=()):
    rc, doc, err = cli_json(['full-backup', '--to', dest] + list(extra), env, timeout=120, expect=expect)
    return doc, err


def start(media, *options):
    return Emulator(['--device', media, '--name', 'Test iPhone'] + list(options)).start()


def test_full_then_incremental_and_snapshots(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media)
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        backup = os.path.join(dest, udid)
        total = sum(os.path.getsize(os.path.join(media, r)) for r in media_rels(media))

        doc, _ = full_backup(env, dest)
        assert doc['files'] >= len(media_rels(media)), doc
        assert_complete(backup, media)
        assert media_bytes(emu) == total, (emu.stats(), total)
        assert snapshot_dirs(dest, udid) == []

        # Incremental: one new photo, one deleted; only the new bytes travel.
        emu.control('reset-stats')
        put(media, 'DCIM/100APPLE/IMG_0100.JPG', 54_321, 100)
        gone = 'DCIM/100APPLE/IMG_0003.JPG'
        gone_bytes = read(os.path.join(media, gone))
        os.unlink(os.path.join(media, gone))
        unchanged = stored(backup, 'DCIM/100APPLE/IMG_0001.JPG')
        inode = os.stat(unchanged).st_ino
        doc, _ = full_backup(env, dest)
        stats = emu.stats()
        assert sum(stats['files'].values()) == 54_321, stats
        assert list(stats['files']) == ['/DCIM/100APPLE/IMG_0100.JPG'], stats
        assert_complete(backup, media)
        assert not os.path.exists(stored(backup, gone))
        olds = snapshot_dirs(dest, udid)
        assert len(olds) == 1, olds
        old = os.path.join(dest, udid + '.snapshots', olds[0])
        # The photo deleted on the phone is still in the older snapshot, and unchanged
        # files are shared (hard links), not copied.
        assert read(stored(old, gone)) == gone_bytes
        assert not os.path.exists(stored(old, 'DCIM/100APPLE/IMG_0100.JPG'))
        assert os.stat(stored(backup, 'DCIM/100APPLE/IMG_0001.JPG')).st_ino == inode
        assert os.stat(stored(old, 'DCIM/100APPLE/IMG_0001.JPG')).st_ino == inode
        snaps = doc['folders'][0]['snapshots']
        assert len(snaps) == 2 and snaps[0]['current'] and not snaps[1]['current'], snaps
        assert snaps[1]['own_size'] < snaps[1]['size'], snaps

        # Keep 3: two more runs leave the current one and two older.
        for i in range(2):
            put(media, 'DCIM/100APPLE/IMG_02%02d.JPG' % i, 1000 + i, 200 + i)
            time.sleep(1.1)  # snapshot names have one-second resolution
            full_backup(env, dest)
        assert len(snapshot_dirs(dest, udid)) == 2, snapshot_dirs(dest, udid)
        assert_complete(backup, media)
        assert not os.path.exists(os.path.join(dest, udid + '.snapshots', '.in-progress'))
    finally:
        emu.stop()


def test_idevicebackup2_interop(tmp):
    media = os.path.join(tmp, 'media')
    ours = os.path.join(tmp, 'ours')
    theirs = os.path.join(tmp, 'theirs')
    os.makedirs(ours)
    os.makedirs(theirs)
    make_media(media)
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        full_backup(env, ours)

        def tool(*argv):
            return subprocess.run(['idevicebackup2'] + list(argv), env=emu.env(), capture_output=True,
                                  text=True, timeout=120)

        r = tool('info', ours)
        assert r.returncode == 0 and udid in r.stdout, r.stdout + r.stderr
        r = tool('list', ours)
        assert r.returncode == 0 and 'Media/DCIM/100APPLE/IMG_0001.JPG' in r.stdout, r.stdout + r.stderr

        # idevicebackup2 continues ours incrementally: nothing new, nothing sent.
        emu.control('reset-stats')
        r = tool('backup', ours)
        assert r.returncode == 0 and 'Backup Successful.' in r.stdout, r.stdout + r.stderr
        assert media_bytes(emu) == 0, emu.stats()
        # And we continue theirs.
        put(media, 'DCIM/100APPLE/IMG_0500.JPG', 7_777, 500)
        emu.control('reset-stats')
        full_backup(env, ours)
        assert media_bytes(emu) == 7_777, emu.stats()
        assert_complete(os.path.join(ours, udid), media)

        # A backup idevicebackup2 made from scratch, continued by us.
        r = tool('backup', '--full', theirs)
        assert r.returncode == 0 and 'Backup Successful.' in r.stdout, r.stdout + r.stderr
        emu.control('reset-stats')
        full_backup(env, theirs)
        assert media_bytes(emu) == 0, emu.stats()
        assert_complete(os.path.join(theirs, udid), media)
        assert len(snapshot_dirs(theirs, udid)) == 1
    finally:
        emu.stop()


def listing(backup):
    out = {}
    for root, _, names in os.walk(backup):
        for name in names:
            path = os.path.join(root, name)
            out[os.path.relpath(path, backup)] = hashlib.sha256(read(path)).hexdigest()
    return out


def test_unplug_and_kill_keep_the_last_backup(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media)
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        backup = os.path.join(dest, udid)
        full_backup(env, dest)
        before = listing(backup)

        # Unplugged mid-file.
        put(media, 'DCIM/100APPLE/IMG_0900.JPG', 2_000_000, 900)
        emu.control('fail-after 500000')
        doc, err = full_backup(env, dest, expect=EXIT['no-device'])
        assert 'disconnected' in err, err
        emu.control('attach')
        assert listing(backup) == before
        assert snapshot_dirs(dest, udid) == []

        # Ctrl+C while files flow: a clean stop.
        emu.control('rate 1000000')
        emu.control('reset-stats')
        p = subprocess.Popen([clitest.CLI, 'full-backup', '--to', dest], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while emu.stats()['total'] < 300_000:
            assert time.monotonic() < end and p.poll() is None, 'no data flowed'
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == EXIT['cancelled'], (p.returncode, err)
        assert listing(backup) == before
        assert not os.path.exists(os.path.join(dest, udid + '.snapshots', '.in-progress'))

        # kill -9 while files flow.
        emu.control('reset-stats')
        p = subprocess.Popen([clitest.CLI, 'full-backup', '--to', dest], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while emu.stats()['total'] < 300_000:
            assert time.monotonic() < end and p.poll() is None, 'no data flowed'
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert listing(backup) == before
        emu.control('rate 0')

        # The next run completes, and takes the leftover away.
        full_backup(env, dest)
        assert_complete(backup, media)
        assert not os.path.exists(os.path.join(dest, udid + '.snapshots', '.in-progress'))
        olds = snapshot_dirs(dest, udid)
        assert len(olds) == 1 and listing(os.path.join(dest, udid + '.snapshots', olds[0])) == before
    finally:
        emu.stop()


def test_passcode(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media, 3)
    emu = start(media, '--backup-passcode', '--backup-passcode-timeout', '60000')
    try:
        env = env_for(emu, tmp)
        p = subprocess.Popen([clitest.CLI, 'full-backup', '--to', dest], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            read_until(p.stderr, PASSCODE_SENTENCE, 60)
            assert p.poll() is None
            assert emu.control('enter-passcode') == 'ok enter-passcode'
            p.wait(timeout=60)
            rest = p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        assert p.returncode == 0, rest
        assert_complete(os.path.join(dest, emu.udid()), media)
    finally:
        emu.stop()

    emu = start(media, '--backup-passcode', '--backup-passcode-timeout', '1000')
    try:
        env = env_for(emu, tmp)
        doc, err = full_backup(env, os.path.join(tmp, 'dest'), expect=EXIT['locked'])
        assert 'passcode was not entered on the iPhone' in err, err
        assert '208' not in doc['error'], doc
        # The earlier complete backup is untouched.
        assert_complete(os.path.join(dest, emu.udid()), media)
    finally:
        emu.stop()


def test_hostile_paths(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'a', 'b')
    os.makedirs(dest)
    make_media(media, 3)
    emu = start(media, '--backup-hostile-paths')
    try:
        env = env_for(emu, tmp)
        doc, err = full_backup(env, dest, expect=EXIT['failed'])
        assert 'outside the backup folder' in err, err
        for path in (os.path.join(tmp, 'keepsake-escape.txt'), os.path.join(tmp, 'a', 'keepsake-escape.txt'),
                     os.path.join(tmp, 'a', 'keepsake-escape2.txt'), os.path.join(dest, 'keepsake-escape.txt'),
                     os.path.join(dest, 'keepsake-escape2.txt'), '/nonexistent-keepsake-hostile'):
            assert not os.path.exists(path), path
        assert not os.path.exists(os.path.join(dest, emu.udid()))
    finally:
        emu.stop()

    # A symlink planted in the backup (where the phone will write) is not followed.
    outside = os.path.join(tmp, 'outside')
    os.makedirs(outside)
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        full_backup(env, dest)
        backup = os.path.join(dest, udid)
        # A new photo whose hash folder does not exist yet: the symlink takes its place.
        n = 700
        while os.path.exists(os.path.join(backup, file_id('DCIM/100APPLE/IMG_%04d.JPG' % n)[:2])):
            n += 1
        rel = 'DCIM/100APPLE/IMG_%04d.JPG' % n
        put(media, rel, 3_000, n)
        prefix = file_id(rel)[:2]
        os.symlink(outside, os.path.join(backup, prefix))
        os.symlink(os.path.join(outside, 'status'), os.path.join(backup, 'Status.plist.new'))
        full_backup(env, dest)
        assert os.listdir(outside) == []
        assert not os.path.islink(os.path.join(backup, prefix))
        assert_complete(backup, media)
    finally:
        emu.stop()


def test_plan_and_status(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'plan-dest')
    os.makedirs(dest)
    make_media(media, 3)
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        # No destination with full backups yet: a usage error.
        os.makedirs(os.path.join(tmp, 'photos-only'))
        cli(['destinations', 'add', os.path.join(tmp, 'photos-only')], env, expect=0)
        cli(['full-backup'], env, expect=EXIT['usage'])
        cli(['destinations', 'add', dest, '--keep', '2'], env, expect=EXIT['usage'])
        _, doc, _ = cli_json(['destinations', 'add', dest, '--full-backups', '--keep', '2'], env, expect=0)
        assert 'full' in doc['destination']['methods'], doc
        for i in range(3):
            put(media, 'DCIM/100APPLE/IMG_03%02d.JPG' % i, 500 + i, 300 + i)
            if i > 0:
                time.sleep(1.1)  # snapshot names have one-second resolution
            cli(['full-backup'], env, timeout=120, expect=0)
        assert_complete(os.path.join(dest, udid), media)
        assert len(snapshot_dirs(dest, udid)) == 1, snapshot_dirs(dest, udid)
        assert not os.path.exists(os.path.join(tmp, 'photos-only', udid))
        _, doc, _ = cli_json(['status'], env, expect=0)
        entries = [e for e in doc['full_backups'] if e['udid'] == udid]
        assert len(entries) == 1 and entries[0]['snapshots'] == 2, doc['full_backups']
        rc, out, _ = cli(['status'], env, expect=0)
        assert 'Full device backups:' in out and 'Test iPhone' in out, out
    finally:
        emu.stop()


if __name__ == '__main__':
    run_tests([
        ('full, incremental, snapshots', test_full_then_incremental_and_snapshots),
        ('idevicebackup2 reads and continues ours, we continue its', test_idevicebackup2_interop),
        ('unplug and kill -9 keep the last backup', test_unplug_and_kill_keep_the_last_backup),
        ('passcode at backup start', test_passcode),
        ('hostile paths from the phone', test_hostile_paths),
        ('plan destinations and status', test_plan_and_status),
    ])
