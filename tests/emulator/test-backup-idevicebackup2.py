#!/usr/bin/python3
# test-backup-idevicebackup2.py
#
# Copyright 2026 The Keepsake authors
#
# This program is free software: you can redistribute it and/or modify
# it under the terms of the GNU General Public License as published by
# the Free Software Foundation, either version 3 of the License, or
# (at your option) any later version.
#
# This program is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
# GNU General Public License for more details.
#
# You should have received a copy of the GNU General Public License
# along with this program.  If not, see <http://www.gnu.org/licenses/>.
#
# SPDX-License-Identifier: GPL-3.0-or-later

# Debian's unmodified idevicebackup2 against the emulated iPhone: a full
# backup must succeed and hold every media file byte for byte under its
# SHA-1 name, listed in Manifest.db as iOS lists it; an interrupted backup
# must never look finished; `encryption on|off` and `changepw` are answered
# as a real phone answers them.  Emits TAP.

import hashlib
import json
import os
import plistlib
import random
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator as Fixture  # noqa: E402

TESTS = []


def tap_test(fn):
    TESTS.append(fn)
    return fn


def make_media(root):
    """A small but awkward media root: multi-block, empty and odd-sized files,
    more files than one upload batch, PhotoData, and folders that are not
    part of a photo backup."""
    rng = random.Random(20261129)
    files = {}

    def put(rel, size):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = rng.randbytes(size)
        with open(path, 'wb') as f:
            f.write(data)
        os.utime(path, (1700000000, 1700000000 + len(files)))
        files[rel] = data

    put('DCIM/100APPLE/IMG_0001.HEIC', 1_300_000)       # several 256 KiB blocks
    put('DCIM/100APPLE/IMG_0001.MOV', 262_144)          # exactly one block
    put('DCIM/100APPLE/IMG_0002.JPG', 262_145)          # one block and a byte
    put('DCIM/100APPLE/IMG_0003.PNG', 0)                # empty
    put('DCIM/101APPLE/IMG_0100.JPG', 77_777)
    for i in range(300):                                 # > one 256-file batch
        put('DCIM/102APPLE/IMG_%04d.JPG' % (1000 + i), 1 + i * 7)
    put('PhotoData/Photos.sqlite', 65_536)
    put('PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/FullSizeRender.heic', 12_345)
    # Not camera roll: must stay out of the backup.
    put('Books/iBooksData2.plist', 100)
    put('iTunes_Control/iTunes/iTunesPrefs', 100)
    return {k: v for k, v in files.items() if k.startswith(('DCIM/', 'PhotoData/'))}


class Emulator:
    """emu's fixture (tests/emulator/emulator.py) with the few helpers used here."""

    def __init__(self, media):
        self.fixture = Fixture(['--device', media, '--name', 'Test iPhone']).start()
        self.sock = self.fixture.address[len('UNIX:'):]
        self.env = self.fixture.env()

    def command(self, line):
        reply = self.fixture.control(line)
        if not reply.startswith('ok'):
            raise RuntimeError('control %r: %r' % (line, reply))
        return reply

    def run(self, *argv, timeout=60):
        return subprocess.run(list(argv), env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def stop(self):
        self.fixture.stop()


def mux_request(sock, tag, message):
    body = plistlib.dumps(message, fmt=plistlib.FMT_XML)
    sock.sendall(struct.pack('<IIII', 16 + len(body), 1, 8, tag) + body)
    header = recv_exact(sock, 16)
    length = struct.unpack('<IIII', header)[0]
    return plistlib.loads(recv_exact(sock, length - 16))


def recv_exact(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(data), n))
        data += chunk
    return data


def connect_service(emu, port):
    """A raw connection to a device port through the emulator's usbmuxd."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(emu.sock)
    devices = mux_request(sock, 1, {'MessageType': 'ListDevices', 'ProgName': 'test'})
    device_id = devices['DeviceList'][0]['DeviceID']
    reply = mux_request(sock, 2, {'MessageType': 'Connect', 'DeviceID': device_id,
                                  'PortNumber': socket.htons(port), 'ProgName': 'test'})
    assert reply.get('Number') == 0, reply
    return sock


def frame(payload):
    return struct.pack('>I', len(payload)) + payload


def sha1_name(domain, rel):
    return hashlib.sha1(('%s-%s' % (domain, rel)).encode()).hexdigest()


def verify_backup(bdir, media_files, media_root):
    """Manifest.db lists exactly @media_files (relative to the media root),
    each stored byte for byte under its SHA-1 name, with a matching MBFile;
    nothing else is stored."""
    db = sqlite3.connect(os.path.join(bdir, 'Manifest.db'))
    rows = db.execute('SELECT fileID, domain, relativePath, flags, file FROM Files').fetchall()
    db.close()
    by_path = {rel: (fid, dom, flags, blob) for fid, dom, rel, flags, blob in rows}
    files_in_db = {rel for rel, v in by_path.items() if v[2] == 1}
    expected = {'Media/' + rel for rel in media_files}
    assert files_in_db == expected, 'missing %s, extra %s' % (
        sorted(expected - files_in_db)[:5], sorted(files_in_db - expected)[:5])
    for rel, data in media_files.items():
        fid, dom, flags, blob = by_path['Media/' + rel]
        assert dom == 'CameraRollDomain', (rel, dom)
        assert fid == sha1_name(dom, 'Media/' + rel), rel
        stored = os.path.join(bdir, fid[:2], fid)
        with open(stored, 'rb') as f:
            got = f.read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), rel
        archive = plistlib.loads(blob)
        mbfile = archive['$objects'][archive['$top']['root'].data]
        assert archive['$objects'][mbfile['RelativePath'].data] == 'Media/' + rel
        assert mbfile['Size'] == len(data), rel
        assert mbfile['Mode'] == 0o100644
        assert mbfile['LastModified'] == int(os.stat(os.path.join(media_root, rel)).st_mtime)
    for d in ('Media/DCIM', 'Media/DCIM/100APPLE', 'Media/PhotoData'):
        assert by_path[d][2] == 2, d
    # Nothing but the files listed: no strays, no partial uploads.
    stored_names = {n for sub in os.listdir(bdir) if len(sub) == 2
                    for n in os.listdir(os.path.join(bdir, sub))}
    assert stored_names == {by_path[p][0] for p in files_in_db}


@tap_test
def full_backup(ctx):
    emu, media_files, tmp = ctx['emu'], ctx['files'], ctx['tmp']
    udid = emu.command('udid').split()[-1]
    out = os.path.join(tmp, 'backup')
    os.makedirs(out)
    t0 = time.monotonic()
    r = emu.run('idevicebackup2', 'backup', '--full', out)
    ctx['seconds'] = time.monotonic() - t0
    assert r.returncode == 0, 'exit %d\n%s\n%s' % (r.returncode, r.stdout, r.stderr)
    assert 'Backup Successful.' in r.stdout, r.stdout
    bdir = os.path.join(out, udid)

    with open(os.path.join(bdir, 'Status.plist'), 'rb') as f:
        status = plistlib.load(f)
    assert status['SnapshotState'] == 'finished', status
    assert status['IsFullBackup'] is True
    with open(os.path.join(bdir, 'Manifest.plist'), 'rb') as f:
        manifest = plistlib.load(f)
    assert manifest['IsEncrypted'] is False
    assert manifest['Lockdown']['UniqueDeviceID'] == udid
    assert manifest['Lockdown']['DeviceName'] == 'Test iPhone'
    with open(os.path.join(bdir, 'Info.plist'), 'rb') as f:
        info = plistlib.load(f)
    assert info['Unique Identifier'] == udid

    verify_backup(bdir, media_files, ctx['media'])
    ctx['backup'] = out
    return '%d files, %.1f s' % (len(media_files), ctx['seconds'])


@tap_test
def info_and_list(ctx):
    emu = ctx['emu']
    r = emu.run('idevicebackup2', 'list', ctx['backup'])
    assert r.returncode == 0, r.stdout + r.stderr
    listed = set(line.split(',')[1] for line in r.stdout.splitlines() if line.startswith('CameraRollDomain,'))
    for rel in ctx['files']:
        assert 'Media/' + rel in listed, rel
    r = emu.run('idevicebackup2', 'info', ctx['backup'])
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'Test iPhone' in r.stdout


@tap_test
def incremental_backup(ctx):
    """Without --full, only new and changed photos travel; deleted ones leave."""
    emu, media, files = ctx['emu'], ctx['media'], ctx['files']
    udid = emu.command('udid').split()[-1]
    changed = 'DCIM/101APPLE/IMG_0100.JPG'
    added = 'DCIM/103APPLE/IMG_2000.HEIC'
    removed = 'DCIM/100APPLE/IMG_0002.JPG'
    rng = random.Random(7)
    for rel, size in ((changed, 88_888), (added, 123_456)):
        path = os.path.join(media, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        files[rel] = rng.randbytes(size)
        with open(path, 'wb') as f:
            f.write(files[rel])
        os.utime(path, (1750000000, 1750000000))
    os.unlink(os.path.join(media, removed))
    del files[removed]

    emu.command('reset-stats')
    r = emu.run('idevicebackup2', 'backup', ctx['backup'])
    assert r.returncode == 0, 'exit %d\n%s\n%s' % (r.returncode, r.stdout, r.stderr)
    assert 'Backup Successful.' in r.stdout, r.stdout
    stats = json.loads(emu.command('stats')[len('ok '):])
    # idevicebackup2 itself reads /Books and /iTunes_Control over AFC; count the photos only.
    sent = {p: n for p, n in stats['files'].items() if p.startswith(('/DCIM/', '/PhotoData/'))}
    assert sent == {'/' + changed: 88_888, '/' + added: 123_456}, stats['files']
    bdir = os.path.join(ctx['backup'], udid)
    with open(os.path.join(bdir, 'Status.plist'), 'rb') as f:
        status = plistlib.load(f)
    assert status['SnapshotState'] == 'finished' and status['IsFullBackup'] is False, status
    verify_backup(bdir, files, media)
    gone = sha1_name('CameraRollDomain', 'Media/' + removed)
    assert not os.path.exists(os.path.join(bdir, gone[:2], gone))
    return '%d photo bytes sent' % sum(sent.values())


@tap_test
def malformed_input_is_survived(ctx):
    """Garbage on notification_proxy and mobilebackup2 ends those connections,
    not the phone: a backup right after still succeeds."""
    emu = ctx['emu']
    garbage = [
        frame(b'not a plist at all'),
        frame(plistlib.dumps({'Command': 'ObserveNotification'}, fmt=plistlib.FMT_BINARY)),
        frame(plistlib.dumps(['DLMessageProcessMessage'], fmt=plistlib.FMT_BINARY)),
        frame(plistlib.dumps(['DLMessageProcessMessage', 'not a dict'], fmt=plistlib.FMT_BINARY)),
        frame(plistlib.dumps(['DLMessageProcessMessage', {'MessageName': 7}], fmt=plistlib.FMT_BINARY)),
        frame(plistlib.dumps(['DLMessageProcessMessage', {'MessageName': 'Restore'}], fmt=plistlib.FMT_BINARY)),
        frame(plistlib.dumps([42], fmt=plistlib.FMT_BINARY)),
        struct.pack('>I', 0xFFFFFFF0) + b'x' * 64,   # absurd length, then hang up
    ]
    # The fixed device ports of emu-service.c's table (notification_proxy, mobilebackup2);
    # real usbmuxd, like the emulator, lets a client Connect to them directly.
    for port in (49153, 49154):
        for payload in garbage:
            with connect_service(emu, port) as sock:
                if port == 49154:
                    # DeviceLink: the device speaks first; answer its version.
                    hello = recv_exact(sock, struct.unpack('>I', recv_exact(sock, 4))[0])
                    assert plistlib.loads(hello)[0] == 'DLMessageVersionExchange'
                    sock.sendall(frame(plistlib.dumps(['DLMessageVersionExchange', 'DLVersionsOk', 400],
                                                      fmt=plistlib.FMT_BINARY)))
                    ready = recv_exact(sock, struct.unpack('>I', recv_exact(sock, 4))[0])
                    assert plistlib.loads(ready) == ['DLMessageDeviceReady']
                sock.sendall(payload)
    # An unsupported request gets an error reply, not silence.
    with connect_service(emu, 49154) as sock:
        recv_exact(sock, struct.unpack('>I', recv_exact(sock, 4))[0])
        sock.sendall(frame(plistlib.dumps(['DLMessageVersionExchange', 'DLVersionsOk', 400],
                                          fmt=plistlib.FMT_BINARY)))
        recv_exact(sock, struct.unpack('>I', recv_exact(sock, 4))[0])
        sock.sendall(frame(plistlib.dumps(['DLMessageProcessMessage', {'MessageName': 'Restore'}],
                                          fmt=plistlib.FMT_BINARY)))
        reply = plistlib.loads(recv_exact(sock, struct.unpack('>I', recv_exact(sock, 4))[0]))
        assert reply[0] == 'DLMessageProcessMessage' and reply[1]['ErrorCode'] != 0, reply
    out = os.path.join(ctx['tmp'], 'after-garbage')
    os.makedirs(out)
    r = emu.run('idevicebackup2', 'backup', '--full', out)
    assert r.returncode == 0 and 'Backup Successful.' in r.stdout, r.stdout + r.stderr


@tap_test
def interrupted_backup_is_not_finished(ctx):
    emu = ctx['emu']
    udid = emu.command('udid').split()[-1]
    out = os.path.join(ctx['tmp'], 'interrupted')
    os.makedirs(out)
    # The device vanishes after 600 KB of file data, inside the first file.
    emu.command('fail-after 600000')
    try:
        r = emu.run('idevicebackup2', 'backup', '--full', out)
    finally:
        # Detaching cleared fail-after; plug the phone back in.
        emu.command('attach')
    assert r.returncode != 0, r.stdout
    assert 'Backup Successful.' not in r.stdout
    status_path = os.path.join(out, udid, 'Status.plist')
    assert os.path.exists(status_path), 'the in-progress Status.plist was not uploaded first'
    with open(status_path, 'rb') as f:
        assert plistlib.load(f)['SnapshotState'] != 'finished'
    assert not os.path.exists(os.path.join(out, udid, 'Manifest.db'))

    # The next (not forced) backup into the same folder must redo it whole.
    r = emu.run('idevicebackup2', 'backup', out)
    assert r.returncode == 0 and 'Backup Successful.' in r.stdout, r.stdout + r.stderr
    verify_backup(os.path.join(out, udid), ctx['files'], ctx['media'])


@tap_test
def passcode_at_backup_start(ctx):
    """--backup-passcode: idevicebackup2 1.3.0 just waits; after `enter-passcode` the
    backup goes through, without it the phone ends with ErrorCode 208."""
    fixture = Fixture(['--device', ctx['media'], '--name', 'Test iPhone', '--backup-passcode',
                       '--backup-passcode-timeout', '1500']).start()
    try:
        env = fixture.env()
        out = os.path.join(ctx['tmp'], 'passcode')
        os.makedirs(out)
        r = subprocess.run(['idevicebackup2', 'backup', '--full', out], env=env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode != 0 and '208' in r.stdout + r.stderr, r.stdout + r.stderr

        # Entered while the phone asks (the request is repeated until the tool ends: an
        # entry before the phone asks does not count, as on a phone).
        assert fixture.control('passcode-timeout 120000') == 'ok passcode-timeout'
        p = subprocess.Popen(['idevicebackup2', 'backup', '--full', out], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            while p.poll() is None:
                assert fixture.control('enter-passcode') == 'ok enter-passcode'
                time.sleep(0.2)
        finally:
            if p.poll() is None:
                p.kill()
        output, _ = p.communicate(timeout=60)
        assert p.returncode == 0 and 'Backup Successful.' in output, output
        verify_backup(os.path.join(out, fixture.udid()), ctx['files'], ctx['media'])
    finally:
        fixture.stop()


@tap_test
def encryption_on_changepw_off(ctx):
    """idevicebackup2 `encryption on|off PW` and `changepw OLD NEW` (ChangePassword): WillEncrypt
    follows, the next backup is encrypted (or not), a wrong old password is refused with the
    phone's ErrorCode 207 and changes nothing."""
    fixture = Fixture(['--device', ctx['media'], '--name', 'Test iPhone']).start()
    try:
        env = fixture.env()

        def tool(*argv):
            r = subprocess.run(['idevicebackup2'] + list(argv), env=env, capture_output=True,
                               text=True, timeout=120)
            return r.returncode, r.stdout + r.stderr

        def will_encrypt():
            r = subprocess.run(['ideviceinfo', '-q', 'com.apple.mobile.backup', '-k', 'WillEncrypt'],
                               env=env, capture_output=True, text=True, timeout=60)
            return r.stdout.strip()

        def backup_encrypted(name):
            out = os.path.join(ctx['tmp'], name)
            os.makedirs(out)
            rc, text = tool('backup', '--full', out)
            assert rc == 0 and 'Backup Successful.' in text, text
            with open(os.path.join(out, fixture.udid(), 'Manifest.plist'), 'rb') as f:
                return plistlib.load(f)['IsEncrypted'], text

        assert will_encrypt() == 'false'
        rc, text = tool('encryption', 'on', 'first pw')
        assert 'Backup encryption has been enabled successfully.' in text, text
        assert will_encrypt() == 'true'
        encrypted, text = backup_encrypted('enc1')
        assert encrypted and 'Backup will be encrypted.' in text, text

        rc, text = tool('changepw', 'not it', 'second pw')
        assert 'ErrorCode 207: Invalid password (MBErrorDomain/207)' in text, text
        assert 'Could not change backup encryption password.' in text, text
        rc, text = tool('encryption', 'off', 'second pw')
        assert 'ErrorCode 207' in text and 'Could not disable backup encryption.' in text, text
        assert will_encrypt() == 'true'

        rc, text = tool('changepw', 'first pw', 'second pw')
        assert 'Backup encryption password has been changed successfully.' in text, text
        rc, text = tool('encryption', 'off', 'first pw')
        assert 'ErrorCode 207' in text, text
        rc, text = tool('encryption', 'off', 'second pw')
        assert 'Backup encryption has been disabled successfully.' in text, text
        assert will_encrypt() == 'false'
        encrypted, text = backup_encrypted('plain')
        assert not encrypted and 'Backup will be unencrypted.' in text, text
    finally:
        fixture.stop()


def main():
    tmp = tempfile.mkdtemp(prefix='test-backup-')
    media = os.path.join(tmp, 'media')
    ctx = {'tmp': tmp, 'media': media, 'files': make_media(media)}
    print('1..%d' % len(TESTS))
    failed = 0
    try:
        ctx['emu'] = Emulator(media)
        for i, fn in enumerate(TESTS, 1):
            try:
                note = fn(ctx)
                print('ok %d /Keepsake/Emulator/backup/%s%s' % (i, fn.__name__, ' # ' + note if note else ''))
            except Exception as e:  # noqa: BLE001 - report any failure as TAP
                failed += 1
                print('not ok %d /Keepsake/Emulator/backup/%s' % (i, fn.__name__))
                for line in repr(e).splitlines():
                    print('# ' + line)
            sys.stdout.flush()
    finally:
        if 'emu' in ctx:
            ctx['emu'].stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
