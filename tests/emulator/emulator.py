# emulator.py
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

"""Test fixture for script tests: runs $KS_IPHONE_EMULATOR in a temp dir and
talks to its control socket (standard library only).

    with Emulator(['--device', media, '--name', 'Test iPhone']) as emu:
        env = emu.env()          # os.environ + USBMUXD_SOCKET_ADDRESS + temp HOME
        emu.control('detach')    # -> 'ok detach'
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

__all__ = ['Emulator', 'EmulatorError', 'make_sample_library']


class EmulatorError(Exception):
    pass


class Emulator:
    def __init__(self, args, program=None, timeout=60):
        self.program = program or os.environ.get('KS_IPHONE_EMULATOR')
        if not self.program:
            raise EmulatorError('KS_IPHONE_EMULATOR is not set (run through meson test)')
        self.args = list(args)
        self.timeout = timeout
        self.tmpdir = None
        self.process = None
        self.address = None
        self.control_path = None
        self.state_dir = None
        self.home = None

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix='ks-emulator-')
        self.address = 'UNIX:' + os.path.join(self.tmpdir, 'usbmuxd')
        self.control_path = os.path.join(self.tmpdir, 'control')
        self.state_dir = os.path.join(self.tmpdir, 'state')
        # libimobiledevice tools may write config under HOME; keep it here.
        self.home = os.path.join(self.tmpdir, 'home')
        os.mkdir(self.home)
        argv = [self.program, '--listen', self.address, '--state', self.state_dir,
                '--control', 'UNIX:' + self.control_path,
                # exits by itself if this process dies without stop()
                '--exit-with-stdout'] + self.args
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        while True:
            line = self.process.stdout.readline()
            if not line:
                code = self.process.wait()
                self._cleanup_dir()
                raise EmulatorError('iphone-emulator exited (%d) before it was ready' % code)
            if line.strip() == 'ready':
                break
        os.environ['USBMUXD_SOCKET_ADDRESS'] = self.address
        return self

    def env(self, extra=None):
        """An environment for child processes (tools) using this emulator."""
        env = dict(os.environ)
        env['USBMUXD_SOCKET_ADDRESS'] = self.address
        env['HOME'] = self.home
        env['XDG_CONFIG_HOME'] = os.path.join(self.home, '.config')
        env['XDG_CACHE_HOME'] = os.path.join(self.home, '.cache')
        env['XDG_DATA_HOME'] = os.path.join(self.home, '.local', 'share')
        if extra:
            env.update(extra)
        return env

    def control(self, command):
        """Sends one control command and returns the reply line (no newline)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.control_path)
            s.sendall(command.encode('utf-8') + b'\n')
            data = b''
            while not data.endswith(b'\n'):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode('utf-8', 'replace').rstrip('\n')

    def udid(self):
        """The UDID of the only device (with several, ask the control socket with a UDID)."""
        reply = self.control('udid')
        if not reply.startswith('ok '):
            raise EmulatorError(reply)
        return reply[3:]

    def stats(self, udid=None):
        """The `stats` reply as a dict."""
        reply = self.control('stats' + (' ' + udid if udid else ''))
        if not reply.startswith('ok '):
            raise EmulatorError(reply)
        return json.loads(reply[3:])

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process.stdout.close()
            self.process = None
        self._cleanup_dir()

    def _cleanup_dir(self):
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def make_sample_library(directory, count, seed=1, fast=True):
    """Runs $KS_SAMPLE_LIBRARY --out directory --count count --seed seed [--fast]."""
    program = os.environ.get('KS_SAMPLE_LIBRARY')
    if not program:
        raise EmulatorError('KS_SAMPLE_LIBRARY is not set (run through meson test)')
    argv = [program, '--out', str(directory), '--count', str(count), '--seed', str(seed)]
    if fast:
        argv.append('--fast')
    # stdout may be a TAP stream: send the generator's summary to stderr.
    subprocess.run(argv, check=True, stdout=sys.stderr)
