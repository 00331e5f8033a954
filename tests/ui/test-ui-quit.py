#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Quitting Keepsake while the iPhone shows its Trust dialog must end the process cleanly:
# a device check may be pairing (generating keys with OpenSSL) on a worker thread, and
# OpenSSL is torn down by exit(). Runs the real keepsake binary against the emulated iPhone
# with --trust ask and quits it through its app.quit action, as Ctrl+Q would.

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
from emulator import Emulator  # noqa: E402

APP = os.path.join(os.environ['KS_BUILD_ROOT'], 'src', 'keepsake')
TRIALS = 5
APP_ID = os.environ.get('KS_APP_ID', 'io.github.keepsake.Keepsake')


def has_owner(env):
    out = subprocess.run(
        ['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
         '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner',
         APP_ID],
        env=env, capture_output=True, text=True).stdout
    return 'true' in out


def quit_app(env):
    return subprocess.run(
        ['gdbus', 'call', '--session', '--dest', APP_ID,
         '--object-path', '/' + APP_ID.replace('.', '/'),
         '--method', 'org.gtk.Actions.Activate', 'quit', '[]', '{}'],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def main():
    print(f'1..{TRIALS}')
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        media = os.path.join(tmp, 'media', 'DCIM', '100APPLE')
        os.makedirs(media)
        with open(os.path.join(media, 'IMG_0001.JPG'), 'wb') as f:
            f.write(os.urandom(4096))
        with Emulator(['--device', os.path.dirname(os.path.dirname(media)),
                       '--name', 'Quit Test', '--trust', 'ask']) as emu:
            env = emu.env({'XDG_DATA_HOME': os.path.join(tmp, 'data'),
                           'XDG_CACHE_HOME': os.path.join(tmp, 'cache')})
            for trial in range(1, TRIALS + 1):
                app = subprocess.Popen([APP], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
                # Wait until the app owns its bus name, then let it probe the device (it
                # pairs again every 1.5 s while Trust is pending) for a varying while.
                deadline = time.monotonic() + 60
                while not has_owner(env) and app.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(0.7 * trial)
                quit_app(env)
                try:
                    rc = app.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    app.kill()
                    rc = 'hung'
                _, err = app.communicate()
                if rc == 0:
                    print(f'ok {trial} quit while waiting for Trust')
                else:
                    failed += 1
                    print(f'not ok {trial} quit while waiting for Trust: exit {rc}')
                    for line in err.splitlines()[-20:]:
                        print(f'# {line}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
