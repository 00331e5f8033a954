#!/usr/bin/python3
# test-appium.py
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

# The emulated iPhone seen by a client none of us wrote: installs
# appium-ios-device (pinned by appium/package-lock.json) into the build
# directory with `npm ci`, cached between runs, pairs once with Debian's
# idevicepair (appium cannot pair), then lets appium list the device, open
# a TLS lockdown session and read every /DCIM file over AFC; each must equal
# the media folder's file (SHA-256).  Emits TAP.

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.join(HERE, 'appium')
N_TESTS = 5


def file_sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def npm_install():
    """npm ci into <build>/tests/emulator/appium-node; skipped when the lock
    file is unchanged since the last successful install."""
    dest = os.path.join(os.environ['KS_BUILD_ROOT'], 'tests', 'emulator', 'appium-node')
    os.makedirs(dest, exist_ok=True)
    lock_hash = file_sha256(os.path.join(PACKAGE_DIR, 'package-lock.json'))
    stamp = os.path.join(dest, 'node_modules', '.keepsake-lock-sha256')
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == lock_hash:
                return dest, 'cached'
    for name in ('package.json', 'package-lock.json'):
        shutil.copyfile(os.path.join(PACKAGE_DIR, name), os.path.join(dest, name))
    r = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=dest,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError('npm ci failed (%d):\n%s\n%s' % (r.returncode, r.stdout, r.stderr))
    with open(stamp, 'w') as f:
        f.write(lock_hash + '\n')
    return dest, 'installed'


def make_media(root):
    rng = random.Random(4242)
    files = {}

    def put(rel, size):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = rng.randbytes(size)
        with open(path, 'wb') as f:
            f.write(data)
        files[rel] = hashlib.sha256(data).hexdigest()

    put('DCIM/100APPLE/IMG_0001.HEIC', 1_500_000)   # several 512 KiB reads
    put('DCIM/100APPLE/IMG_0001.MOV', 524_288)      # exactly one read
    put('DCIM/100APPLE/IMG_0002.JPG', 4_321)
    put('DCIM/100APPLE/IMG_0003.PNG', 0)
    put('DCIM/101APPLE/IMG_0100.JPG', 70_000)
    put('DCIM/102APPLE/Sub/IMG_0200.JPG', 1)
    put('PhotoData/Photos.sqlite', 1_000)           # outside /DCIM: not walked
    return {k: v for k, v in files.items() if k.startswith('DCIM/')}


def main():
    tests = []
    tmp = tempfile.mkdtemp(prefix='test-appium-')
    emu = None
    print('1..%d' % N_TESTS)
    n = 0

    def report(ok, name, note=''):
        nonlocal n
        n += 1
        print('%s %d /Keepsake/Emulator/appium/%s%s' % ('ok' if ok else 'not ok', n, name,
                                                        ' # ' + note if note else ''))
        sys.stdout.flush()
        tests.append(ok)

    try:
        try:
            install_dir, how = npm_install()
            report(True, 'npm-ci', how)
        except Exception as e:  # noqa: BLE001
            report(False, 'npm-ci')
            print('# ' + str(e).replace('\n', '\n# '))
            return 1

        media = os.path.join(tmp, 'media')
        expected = make_media(media)
        emu = Emulator(['--device', media, '--name', 'Appium iPhone']).start()
        env = emu.env({'NODE_PATH': os.path.join(install_dir, 'node_modules')})

        r = subprocess.run(['idevicepair', 'pair'], env=env, capture_output=True, text=True, timeout=60)
        report(r.returncode == 0 and 'SUCCESS' in r.stdout, 'pair-with-idevicepair', r.stdout.strip())
        udid = subprocess.run(['idevice_id', '-l'], env=env, capture_output=True, text=True,
                              timeout=30).stdout.split()

        r = subprocess.run(['node', os.path.join(PACKAGE_DIR, 'test-appium-afc.js')], env=env,
                           capture_output=True, text=True, timeout=120)
        try:
            seen = json.loads(r.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            seen = {}
            print('# ' + (r.stdout + r.stderr).replace('\n', '\n# '))

        def failed(phase):
            print('# ' + seen.get(phase, {}).get('error', 'no result').replace('\n', '\n# '))

        lockdown = seen.get('lockdown', {})
        ok = (lockdown.get('ok') and lockdown['udids'] == udid and len(udid) == 1
              and lockdown['name'] == 'Appium iPhone' and lockdown['osVersion'].count('.') >= 1)
        report(bool(ok), 'lists-device-and-lockdown',
               '%s %s %s' % (lockdown.get('udids'), lockdown.get('name'), lockdown.get('osVersion')))
        if not ok:
            failed('lockdown')

        np = seen.get('notificationProxy', {})
        report(bool(np.get('ok')), 'tls-session-notification-proxy-relay', np.get('relayed', ''))
        if not np.get('ok'):
            failed('notificationProxy')

        afc = seen.get('afc', {})
        got = {rel: v['sha256'] for rel, v in afc.get('files', {}).items()}
        sizes_ok = all(v['size'] == v['stSize'] for v in afc.get('files', {}).values())
        dirs_ok = {'/DCIM/100APPLE', '/DCIM/101APPLE', '/DCIM/102APPLE',
                   '/DCIM/102APPLE/Sub'} <= set(afc.get('dirs', []))
        ok = bool(afc.get('ok')) and got == expected and sizes_ok and dirs_ok
        report(ok, 'afc-reads-dcim', '%d files' % len(got))
        if not ok:
            failed('afc')
            for rel in sorted(set(got) | set(expected)):
                if got.get(rel) != expected.get(rel):
                    print('# differs: %s appium=%s expected=%s' % (rel, got.get(rel), expected.get(rel)))
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(tests) and n == N_TESTS else 1


if __name__ == '__main__':
    sys.exit(main())
