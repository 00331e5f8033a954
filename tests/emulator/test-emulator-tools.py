#!/usr/bin/python3
# test-emulator-tools.py
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

"""The emulated iPhone through the unmodified Debian tools: idevice_id,
ideviceinfo, idevicepair (trust dialog, denial, passcode, validate, unpair)
and an ifuse mount (diff -r, write-through). Exits non-zero on failure."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator, make_sample_library  # noqa: E402

FAILURES = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        FAILURES.append(what)


def run(emu, *argv, timeout=30):
    p = subprocess.run(list(argv), env=emu.env(), capture_output=True, text=True,
                       errors='replace', timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def make_media(root, seed):
    dcim = os.path.join(root, 'DCIM', '100APPLE')
    os.makedirs(dcim)
    rnd = __import__('random').Random(seed)
    for i, size in enumerate([0, 1, 4096, 150000, 700001]):
        with open(os.path.join(dcim, 'IMG_%04d.%s' % (i + 1, 'HEIC' if i % 2 else 'JPG')), 'wb') as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(min(size, 2048))) * (size // 2048 + 1)
                    if size else b'')
            f.truncate(size)
    os.makedirs(os.path.join(root, 'DCIM', '101APPLE'))
    with open(os.path.join(root, 'DCIM', '101APPLE', 'IMG_0101.MOV'), 'wb') as f:
        f.write(os.urandom(33333))


def test_ids_and_info(tmp):
    a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'b')
    make_media(a, 1)
    make_media(b, 2)
    with Emulator(['--device', a, '--name', 'Phone A', '--udid', '00008030-000A11CE00000001',
                   '--device', b, '--name', 'Phone B', '--model', 'iPhone12,1', '--ios', '16.7.2']) as emu:
        rc, out = run(emu, 'idevice_id', '-l')
        ids = out.split()
        check(rc == 0 and '00008030-000A11CE00000001' in ids and len(ids) == 2,
              'idevice_id -l lists both devices: %r' % ids)
        other = [i for i in ids if i != '00008030-000A11CE00000001'][0]
        check(len(other) == 25 and other[8] == '-', 'derived UDID has the dashed 25-char form: %s' % other)
        rc, out = run(emu, 'idevice_id', other)
        check(rc == 0 and out.strip() == 'Phone B', 'idevice_id UDID prints the name: %r' % out)
        rc, out = run(emu, 'ideviceinfo', '-u', other)
        check(rc == 0 and 'ProductType: iPhone12,1' in out and 'ProductVersion: 16.7.2' in out,
              'ideviceinfo (paired, TLS session) prints ProductType and ProductVersion')
        rc, out = run(emu, 'ideviceinfo', '-u', '00008030-000A11CE00000001', '-k', 'ProductType')
        check(rc == 0 and out.strip() == 'iPhone15,2', 'ideviceinfo -k ProductType: %r' % out)
        rc, out = run(emu, 'ideviceinfo', '-u', other, '-q', 'com.apple.disk_usage')
        check(rc == 0 and 'TotalDataAvailable:' in out, 'ideviceinfo -q com.apple.disk_usage')
        # detach / attach are seen by a fresh listing
        check(emu.control('detach ' + other) == 'ok detach', 'control detach')
        rc, out = run(emu, 'idevice_id', '-l')
        check(out.split() == ['00008030-000A11CE00000001'], 'detached device disappears: %r' % out)
        emu.control('attach ' + other)
        rc, out = run(emu, 'idevice_id', '-l')
        check(len(out.split()) == 2, 'attached device is back')
        check(emu.control('lock').startswith('error'), 'a command without UDID is refused with two devices')


def test_pairing(tmp):
    media = os.path.join(tmp, 'p')
    make_media(media, 3)
    with Emulator(['--device', media, '--trust', 'ask']) as emu:
        udid = emu.udid()
        record = os.path.join(emu.state_dir, 'usbmuxd', udid + '.plist')
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc != 0 and 'Please accept the trust dialog' in out, 'pair with --trust ask shows the dialog: %r' % out)
        check(not os.path.exists(record), 'no pair record while the dialog is pending')
        emu.control('trust')
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc == 0 and 'SUCCESS: Paired' in out, 'pair succeeds after trust: %r' % out)
        check(os.path.exists(record), 'pair record saved through usbmuxd SavePairRecord')
        rc, out = run(emu, 'idevicepair', 'validate')
        check(rc == 0 and 'SUCCESS: Validated' in out, 'validate: %r' % out)
        rc, out = run(emu, 'idevicepair', 'unpair')
        check(rc == 0 and 'SUCCESS: Unpaired' in out, 'unpair: %r' % out)
        check(not os.path.exists(record), 'unpair deletes the host pair record')
        pairings = os.path.join(emu.state_dir, udid, 'pairings')
        check(os.listdir(pairings) == [], 'unpair removes the device-side pairing')

        emu.control('deny')
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc != 0 and 'denied the trust dialog' in out, 'deny reports the denial: %r' % out)
        rc, out = run(emu, 'idevicepair', 'validate')
        check(rc != 0 and 'denied' in out, 'validate (auto-pair) is denied too: %r' % out)

        emu.control('trust')
        emu.control('lock')
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc != 0 and 'passcode is set' in out, 'locked phone reports the passcode: %r' % out)
        emu.control('unlock')
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc == 0, 'pair after unlock')

        # A phone that forgot us (device-side pairing gone) refuses the session.
        for name in os.listdir(pairings):
            os.unlink(os.path.join(pairings, name))
        rc, out = run(emu, 'idevicepair', 'validate')
        check(rc != 0 and 'not paired with this host' in out, 'forgotten host -> InvalidHostID: %r' % out)

    # --locked from the start
    media2 = os.path.join(tmp, 'q')
    make_media(media2, 4)
    with Emulator(['--device', media2, '--locked']) as emu:
        rc, out = run(emu, 'idevicepair', 'pair')
        check(rc != 0 and 'passcode' in out, '--locked reports the passcode')


def test_ifuse(tmp):
    if not os.path.exists('/dev/fuse'):
        check(False, '/dev/fuse is missing')
        return
    media = os.path.join(tmp, 'm')
    # A realistic tree from the sample library generator (through the helper).
    make_sample_library(media, 12, seed=3, fast=True)
    check(os.path.isdir(os.path.join(media, 'DCIM')), 'make_sample_library made a DCIM tree')
    mnt = os.path.join(tmp, 'mnt')
    os.mkdir(mnt)
    with Emulator(['--device', media]) as emu:
        proc = subprocess.Popen(['ifuse', '-f', mnt], env=emu.env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 15
            while time.time() < deadline and not os.path.ismount(mnt):
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
            check(os.path.ismount(mnt), 'ifuse mounted the device')
            if os.path.ismount(mnt):
                p = subprocess.run(['diff', '-r', os.path.join(mnt, 'DCIM'), os.path.join(media, 'DCIM')],
                                   capture_output=True, text=True)
                check(p.returncode == 0 and p.stdout == '', 'diff -r of DCIM through ifuse is empty')
                with open(os.path.join(mnt, 'written.txt'), 'w') as f:
                    f.write('through ifuse\n')
                os.mkdir(os.path.join(mnt, 'newdir'))
                os.rename(os.path.join(mnt, 'written.txt'), os.path.join(mnt, 'newdir', 'moved.txt'))
                landed = os.path.join(media, 'newdir', 'moved.txt')
                check(os.path.exists(landed) and open(landed).read() == 'through ifuse\n',
                      'a file written through ifuse lands in the media folder')
        finally:
            subprocess.run(['fusermount', '-u', mnt], stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            subprocess.run(['fusermount', '-u', '-z', mnt], stderr=subprocess.DEVNULL)


def test_lifecycle(tmp):
    """TCP listen address, --help, SIGTERM: exit 0 and the UNIX socket file removed."""
    media = os.path.join(tmp, 'l')
    make_media(media, 6)
    program = os.environ['KS_IPHONE_EMULATOR']
    p = subprocess.run([program, '--help'], capture_output=True, text=True)
    check(p.returncode == 0 and '--hostile-names' in p.stdout and 'fail-after' in p.stdout, '--help prints the usage')
    p = subprocess.run([program, '--listen', 'UNIX:' + os.path.join(tmp, 'x'), '--state', os.path.join(tmp, 'st'),
                        '--device', os.path.join(tmp, 'does-not-exist')], capture_output=True, text=True)
    check(p.returncode != 0 and 'not a directory' in p.stderr, 'a missing media dir is an error')

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    sock = os.path.join(tmp, 'lifecycle.sock')
    state = os.path.join(tmp, 'lifecycle-state')
    proc = subprocess.Popen([program, '--listen', 'UNIX:' + sock, '--state', state, '--device', media,
                             '--control', '127.0.0.1:%d' % port], stdout=subprocess.PIPE, text=True)
    try:
        check(proc.stdout.readline().strip() == 'ready', 'prints ready')
        with socket.create_connection(('127.0.0.1', port), timeout=10) as c:
            c.sendall(b'udid\nstats\nbogus\n')
            data = b''
            while data.count(b'\n') < 3:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
        lines = data.decode().splitlines()
        check(len(lines) == 3 and lines[0].startswith('ok 00008030-') and lines[1].startswith('ok {"total":0')
              and lines[2].startswith('error '), 'TCP control socket answers line by line: %r' % lines)
        check(os.path.exists(sock), 'UNIX socket exists while running')
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        proc.stdout.close()
    check(rc == 0, 'SIGTERM exits with status 0 (got %d)' % rc)
    check(not os.path.exists(sock), 'SIGTERM removes the UNIX socket file')

    # The TCP form of USBMUXD_SOCKET_ADDRESS, and keys/pairing surviving a restart.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = dict(os.environ, USBMUXD_SOCKET_ADDRESS='127.0.0.1:%d' % port, HOME=tmp)
    outputs = []
    for _ in range(2):
        proc = subprocess.Popen([program, '--listen', '127.0.0.1:%d' % port, '--state', state, '--device', media],
                                stdout=subprocess.PIPE, text=True)
        try:
            proc.stdout.readline()
            p = subprocess.run(['ideviceinfo', '-k', 'DevicePublicKey'], env=env, capture_output=True, text=True,
                               timeout=30)
            outputs.append((p.returncode, p.stdout.strip()))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            proc.stdout.close()
    check(outputs[0][0] == 0 and outputs[0][1] != '', 'ideviceinfo over a TCP usbmuxd address')
    check(outputs[0] == outputs[1], 'device key and pairing survive a restart (same key, no re-pair needed)')
    records = os.listdir(os.path.join(state, 'usbmuxd'))
    check(sum(1 for r in records if r.endswith('.plist')) == 1, 'one host pair record kept in --state')


def main():
    tmp = tempfile.mkdtemp(prefix='ks-emu-tools-')
    try:
        test_ids_and_info(tmp)
        test_pairing(tmp)
        test_ifuse(tmp)
        test_lifecycle(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print('%d check(s) failed' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
