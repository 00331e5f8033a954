# keyring.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real gnome-keyring-daemon on a private D-Bus session bus, for tests of what Keepsake keeps
in the user's keyring: its own dbus-daemon (nothing reaches the user's session), its own HOME
(the keyring files), a "login" keyring created unlocked. Standard library only.

    with Keyring(tmp) as kr:
        env.update(kr.env())          # DBUS_SESSION_BUS_ADDRESS, HOME, XDG_* of the keyring
        kr.lookup(udid='…')           # what secret-tool finds (None: nothing)
"""

import os
import shutil
import subprocess
import time

PASSWORD = 'keepsake-test-login'


class KeyringSkip(Exception):
    pass


class Keyring:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, 'keyring')
        self.bus = None
        self.daemon = None
        self.address = None

    def env(self, extra=None):
        env = dict(os.environ)
        env['DBUS_SESSION_BUS_ADDRESS'] = self.address
        env['HOME'] = os.path.join(self.dir, 'home')
        env['XDG_DATA_HOME'] = os.path.join(self.dir, 'home', '.local', 'share')
        env['XDG_RUNTIME_DIR'] = os.path.join(self.dir, 'run')
        env.pop('GNOME_KEYRING_CONTROL', None)
        if extra:
            env.update(extra)
        return env

    def start(self):
        for tool in ('dbus-daemon', 'gnome-keyring-daemon', 'secret-tool', 'gdbus'):
            if shutil.which(tool) is None:
                raise KeyringSkip('%s is not installed (build-aux/install-deps.sh)' % tool)
        os.makedirs(os.path.join(self.dir, 'home'))
        os.makedirs(os.path.join(self.dir, 'run'), mode=0o700)
        self.bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--nopidfile',
                                     '--print-address=1'],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        if not self.address:
            self.stop()
            raise RuntimeError('dbus-daemon did not start')
        env = self.env()
        # Not ours to test: the daemon runs without the test suite's strict debugging (a warning
        # of its own would abort it) and sanitizer settings.
        daemon_env = {k: v for k, v in env.items()
                      if k not in ('G_DEBUG', 'G_SLICE', 'MALLOC_CHECK_', 'MALLOC_PERTURB_', 'G_MESSAGES_DEBUG')
                      and not k.endswith('SAN_OPTIONS')}
        self.daemon = subprocess.Popen(['gnome-keyring-daemon', '--foreground', '--components=secrets',
                                        '--unlock'], env=daemon_env, stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.daemon.stdin.write(PASSWORD.encode())
        self.daemon.stdin.close()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            r = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                                '--object-path', '/org/freedesktop/DBus', '--method',
                                'org.freedesktop.DBus.NameHasOwner', 'org.freedesktop.secrets'],
                               env=env, capture_output=True, text=True)
            if '(true,)' in r.stdout:
                return self
            if self.daemon.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('gnome-keyring-daemon did not take org.freedesktop.secrets')

    def lookup(self, **attributes):
        args = ['secret-tool', 'lookup']
        for k, v in attributes.items():
            args += [k, v]
        r = subprocess.run(args, env=self.env(), capture_output=True, timeout=30)
        return r.stdout.decode() if r.returncode == 0 and r.stdout else None

    def stop(self):
        for p in (self.daemon, self.bus):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.bus is not None:
            self.bus.stdout.close()
        self.daemon = self.bus = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
