#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Backups that run by themselves: the real keepsake binary started as at login
# (`--background`, no window) under this session bus, where the test owns
# org.freedesktop.Notifications and records what it is sent. A trusted iPhone switched on is
# backed up with the plan when it appears (files byte-identical), with a notification when it
# starts and one with the result; unplugging and plugging it back within a second starts no
# second run; a phone nobody decided for gets a question whose "Back Up Automatically" button
# (ActionInvoked, as a desktop sends it) switches it on and backs it up; a second
# `--background` adds nothing; a phone not backed up for 8 days gets a reminder at the next
# start. A backup drive (an ext4 image on a loop device) whose "back up when plugged in" switch
# is on starts the phone's run when it is mounted, and the files land on it byte-identical;
# the finished notification's Eject unmounts it; mounted with no phone, a notification asks for the iPhone; not plugged in for 8 days, a
# reminder. Real D-Bus, real GLib notification backend, nothing of Keepsake's mocked. Emits TAP.

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
from emulator import Emulator  # noqa: E402

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'common'))
from ksdrive import LoopDrive  # noqa: E402

APP = os.path.join(os.environ['KS_BUILD_ROOT'], 'src', 'keepsake')
CLI = os.path.join(os.environ['KS_BUILD_ROOT'], 'src', 'cli', 'keepsake-cli')
APP_ID = os.environ.get('KS_APP_ID', 'io.github.keepsake.Keepsake')
NAME = 'Background Test'

SERVER_XML = '''
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>
'''


class NotificationServer:
    """Owns org.freedesktop.Notifications on the session bus and records every Notify."""

    def __init__(self):
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.notes = []   # (id, summary, body, actions)
        info = Gio.DBusNodeInfo.new_for_xml(SERVER_XML).interfaces[0]
        self.reg = self.bus.register_object('/org/freedesktop/Notifications', info,
                                            self._call, None, None)
        self.owned = False
        self.owner = Gio.bus_own_name_on_connection(self.bus, 'org.freedesktop.Notifications',
                                                    Gio.BusNameOwnerFlags.NONE,
                                                    self._acquired, None)
        wait_for(lambda: self.owned, 10)

    def _acquired(self, *args):
        self.owned = True

    def _call(self, conn, sender, path, iface, method, params, invocation):
        if method == 'Notify':
            app_name, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
            nid = len(self.notes) + 1
            self.notes.append((nid, summary, body, list(actions)))
            invocation.return_value(GLib.Variant('(u)', (nid,)))
        elif method == 'GetCapabilities':
            invocation.return_value(GLib.Variant('(as)', (['actions', 'body'],)))
        elif method == 'GetServerInformation':
            invocation.return_value(GLib.Variant('(ssss)', ('test', 'keepsake', '1', '1.2')))
        else:
            invocation.return_value(None)

    def summaries(self):
        return [n[1] for n in self.notes]

    def find(self, summary):
        for n in self.notes:
            if n[1] == summary:
                return n
        return None

    def invoke(self, note, label):
        actions = note[3]
        key = actions[actions.index(label) - 1]
        self.bus.emit_signal(None, '/org/freedesktop/Notifications', 'org.freedesktop.Notifications',
                             'ActionInvoked', GLib.Variant('(us)', (note[0], key)))

    def close(self):
        Gio.bus_unown_name(self.owner)
        self.bus.unregister_object(self.reg)


def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout
    ctx = GLib.MainContext.default()
    while time.monotonic() < deadline:
        while ctx.iteration(False):
            pass
        if pred():
            return True
        time.sleep(0.05)
    while ctx.iteration(False):
        pass
    return pred()


def pump(seconds):
    wait_for(lambda: False, seconds)


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def contents(root):
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != '.keepsake']
        for f in files:
            out[sha256(os.path.join(d, f))] = f
    return out


def cli(env, *args):
    p = subprocess.run([CLI] + list(args), env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


def gtk_action(env, name, params='[]'):
    return subprocess.run(
        ['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', '/' + APP_ID.replace('.', '/'),
         '--method', 'org.gtk.Actions.Activate', name, params, '{}'],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def runs(catalog):
    con = sqlite3.connect(catalog)
    try:
        return con.execute("SELECT count(*) FROM runs WHERE status LIKE 'completed%'").fetchone()[0]
    finally:
        con.close()


class Skip(Exception):
    pass


def start_app(env):
    return subprocess.Popen([APP, '--background'], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def stop_app(app, env):
    gtk_action(env, 'quit')
    try:
        rc = app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait()
        raise AssertionError('keepsake did not quit')
    err = app.stderr.read()
    assert rc == 0, (rc, err[-2000:])
    for bad in ('CRITICAL', 'WARNING', 'ERROR: AddressSanitizer', 'runtime error'):
        assert bad not in err, err[-2000:]


def main():
    cases = []

    def case(description):
        def wrap(func):
            cases.append((description, func))
            return func
        return wrap

    tmp = tempfile.mkdtemp(prefix='ks-background-')
    media = os.path.join(tmp, 'media')
    dcim = os.path.join(media, 'DCIM', '100APPLE')
    os.makedirs(dcim)
    for i in range(1, 4):
        with open(os.path.join(dcim, 'IMG_%04d.JPG' % i), 'wb') as f:
            f.write(os.urandom(20000 + i))
    dest = os.path.join(tmp, 'Backups')
    os.makedirs(dest)
    catalog = os.path.join(tmp, 'data', os.environ.get('KS_USER_DIR_NAME', 'keepsake'), 'catalog.db')
    autostart = os.path.join(tmp, 'config', 'autostart', APP_ID + '.desktop')

    emu = Emulator(['--device', media, '--name', NAME])
    emu.start()
    env = emu.env({'XDG_DATA_HOME': os.path.join(tmp, 'data'),
                   'XDG_CACHE_HOME': os.path.join(tmp, 'cache'),
                   'XDG_CONFIG_HOME': os.path.join(tmp, 'config')})
    udid = emu.udid()
    server = NotificationServer()
    state = {}

    @case('plugged in at start: backed up with the plan, started and finished notified')
    def _():
        cli(env, 'destinations', 'add', dest)
        cli(env, 'auto-backup', udid, 'on')
        state['app'] = start_app(env)
        assert wait_for(lambda: 'Backup Finished' in server.summaries(), 90), server.notes
        assert 'Backing Up ' + NAME in server.summaries(), server.notes
        assert contents(dest) == contents(media), (contents(dest), contents(media))
        assert runs(catalog) == 1
        # Started as at login: no window, and nothing written to start at login by itself.
        assert not os.path.exists(autostart)

    @case('unplugged and plugged back within a second: no second run')
    def _():
        before = len(server.notes)
        emu.control('detach')
        time.sleep(0.5)
        emu.control('attach')
        pump(8)
        assert runs(catalog) == 1, runs(catalog)
        assert 'Backing Up ' + NAME not in [n[1] for n in server.notes[before:]], server.notes

    @case('a second --background adds nothing and exits')
    def _():
        p = subprocess.run([APP, '--background'], env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert state['app'].poll() is None

    @case('a phone nobody decided for: asked, and the button backs it up')
    def _():
        cli(env, 'auto-backup', udid, 'default')
        emu.control('detach')
        pump(7)    # longer than the settle time: the next plug-in is a new one
        extra = os.path.join(dcim, 'IMG_0004.JPG')
        with open(extra, 'wb') as f:
            f.write(os.urandom(30000))
        before = len(server.notes)
        emu.control('attach')
        question = 'Back Up %s Automatically?' % NAME
        assert wait_for(lambda: server.find(question) is not None, 60), server.notes
        pump(2)
        assert runs(catalog) == 1   # asked, not backed up
        server.invoke(server.find(question), 'Back Up Automatically')
        assert wait_for(lambda: runs(catalog) == 2, 90), server.notes
        assert 'Backing Up ' + NAME in [n[1] for n in server.notes[before:]], server.notes
        assert wait_for(lambda: contents(dest) == contents(media), 30)
        assert '(auto-backup on)' in cli(env, 'auto-backup', udid)

    @case('quits cleanly')
    def _():
        stop_app(state.pop('app'), env)

    @case('not backed up for 8 days: a reminder at the next start')
    def _():
        con = sqlite3.connect(catalog)
        with con:
            con.execute('UPDATE runs SET started_at = started_at - 8 * 86400,'
                        ' finished_at = finished_at - 8 * 86400')
        con.close()
        emu.control('detach')
        before = len(server.notes)
        app = start_app(env)
        reminder = '%s Not Backed Up for 8 Days' % NAME
        try:
            assert wait_for(lambda: reminder in [n[1] for n in server.notes[before:]], 60), server.notes
        finally:
            stop_app(app, env)

    drive = {}

    def mount_drive():
        drive['loop'].mount()

    def unmount_drive():
        if drive['loop'].mounted:
            drive['loop'].unmount()

    def mounted(path):
        with open('/proc/self/mountinfo') as f:
            return any(line.split()[4] == path for line in f)

    def finished_runs():
        con = sqlite3.connect(catalog)
        try:
            return con.execute("SELECT count(*) FROM runs WHERE status != 'running'").fetchone()[0]
        finally:
            con.close()

    @case("a backup drive switched on and plugged in: the phone's run fills it")
    def _():
        loop = LoopDrive(tmp, 'PASSPORT')
        # Under /media, where a desktop mounts drives: GIO ejects only drives it shows.
        os.makedirs('/media', exist_ok=True)
        drive['media'] = tempfile.mkdtemp(prefix='ks-background-', dir='/media')
        loop.mnt = os.path.join(drive['media'], 'PASSPORT')
        try:
            drive['loop'] = loop.__enter__()
        except LoopDrive.Unavailable as why:
            raise Skip(str(why))
        drive['mnt'] = drive['loop'].mnt
        mount_drive()
        folder = os.path.join(drive['mnt'], 'Passport')
        os.mkdir(folder)
        added = json.loads(cli(env, '--json', 'destinations', 'add', folder))['destination']
        assert added['kind'] == 'drive', added
        drive['id'] = added['id']
        # The switch of Preferences → Automatic (the same option).
        assert json.loads(cli(env, '--json', 'auto-backup', '--drive', drive['id'], 'on'))['on_plug_in']
        unmount_drive()

        emu.control('attach')
        done = finished_runs()
        state['app'] = start_app(env)
        # The phone's own plug-in: its run goes to the folder (the drive is not there).
        assert wait_for(lambda: finished_runs() > done, 90), server.notes
        done = finished_runs()
        before = len(server.notes)
        mount_drive()
        started = 'Backing Up ' + NAME
        assert wait_for(lambda: any(n[1] == started for n in server.notes[before:]), 60), server.notes
        note = [n for n in server.notes[before:] if n[1] == started][0]
        assert '“Passport” was plugged in' in note[2], note
        assert wait_for(lambda: finished_runs() > done, 90), server.notes
        assert contents(os.path.join(drive['mnt'], 'Passport')) == contents(media)
        pump(2)
        assert finished_runs() == done + 1   # one run for one plug-in

    @case("the drive's backup finished: the notification's Eject unmounts it")
    def _():
        if 'id' not in drive:
            raise Skip('no drive')
        finished = [n for n in server.notes if n[1] == 'Backup Finished' and 'Eject' in n[3]]
        assert finished, server.notes
        before = len(server.notes)
        server.invoke(finished[-1], 'Eject')
        assert wait_for(lambda: not mounted(drive['mnt']), 30), server.notes
        drive['loop'].mounted = False
        unplugged = '“Passport” can be unplugged'
        assert wait_for(lambda: unplugged in [n[1] for n in server.notes[before:]], 30), server.notes

    @case('a backup drive plugged in with no iPhone: asked to plug one in')
    def _():
        if 'id' not in drive:
            raise Skip('no drive')
        unmount_drive()
        emu.control('detach')
        pump(6)    # longer than the settle time: the drive's next arrival is a new one
        done = finished_runs()
        before = len(server.notes)
        mount_drive()
        body = 'Plug in your iPhone to back it up to “Passport”.'
        assert wait_for(lambda: any(n[2] == body for n in server.notes[before:]), 30), server.notes
        assert finished_runs() == done

    @case('a backup drive not plugged in for 8 days: a reminder')
    def _():
        if 'id' not in drive:
            raise Skip('no drive')
        stop_app(state.pop('app'), env)
        unmount_drive()
        con = sqlite3.connect(catalog)
        with con:
            old = int(time.time()) - 8 * 86400 - 60
            con.execute('UPDATE plan_settings SET value = ? WHERE key = ?',
                        (str(old), 'destination/%s/last-seen' % drive['id']))
            con.execute('UPDATE destinations SET last_seen = ? WHERE id = ?', (old, drive['id']))
            con.execute('UPDATE plan_destinations SET added_at = ? WHERE id = ?', (old, drive['id']))
        con.close()
        before = len(server.notes)
        app = start_app(env)
        reminder = '“Passport” Not Plugged In for 8 Days'
        try:
            assert wait_for(lambda: reminder in [n[1] for n in server.notes[before:]], 60), server.notes
        finally:
            stop_app(app, env)

    @case('full device backups when chosen: after the photos, the passcode asked for')
    def _():
        full_name = 'Full Test'
        emu2 = Emulator(['--device', media, '--name', full_name, '--backup-passcode',
                         '--backup-passcode-timeout', '120000'])
        emu2.start()
        state['emu2'] = emu2
        env2 = emu2.env({'XDG_DATA_HOME': os.path.join(tmp, 'data'),
                         'XDG_CACHE_HOME': os.path.join(tmp, 'cache'),
                         'XDG_CONFIG_HOME': os.path.join(tmp, 'config')})
        udid2 = emu2.udid()
        full_dest = os.path.join(tmp, 'FullBackups')
        os.makedirs(full_dest)
        cli(env2, 'destinations', 'add', full_dest, '--full-backups')
        cli(env2, 'auto-backup', udid2, 'on')
        before = len(server.notes)
        app = start_app(env2)
        try:
            # Off by default: the photos, and no full backup.
            assert wait_for(lambda: contents(full_dest) == contents(media), 90), server.notes
            pump(3)
            assert not os.path.exists(os.path.join(full_dest, udid2, 'Manifest.db'))
            assert not any('Is Waiting' in n[1] for n in server.notes[before:]), server.notes
        finally:
            stop_app(app, env2)
        # The switch of Preferences → Automatic (the same setting).
        assert json.loads(cli(env2, '--json', 'auto-backup', udid2, '--full', 'on'))['full_backups']
        before = len(server.notes)
        app = start_app(env2)
        try:
            waiting = 'Full Backup of %s Is Waiting' % full_name
            assert wait_for(lambda: waiting in [n[1] for n in server.notes[before:]], 120), server.notes
            note = [n for n in server.notes[before:] if n[1] == waiting][0]
            assert note[2] == 'Enter your passcode on the iPhone to start the backup.', note
            manifest = os.path.join(full_dest, udid2, 'Manifest.db')
            deadline = time.monotonic() + 120
            while not os.path.exists(manifest) and time.monotonic() < deadline:
                emu2.control('enter-passcode')
                pump(0.3)
            assert os.path.exists(manifest), server.notes
            assert wait_for(lambda: 'Backup Finished' in [n[1] for n in server.notes[before:]], 60), server.notes
        finally:
            stop_app(app, env2)

    print('1..%d' % len(cases), flush=True)
    failed = 0
    try:
        for i, (description, func) in enumerate(cases, 1):
            try:
                func()
                print('ok %d - %s' % (i, description), flush=True)
            except Skip as why:
                print('ok %d - %s # SKIP %s' % (i, description, why), flush=True)
            except Exception:
                failed += 1
                print('not ok %d - %s' % (i, description))
                for line in traceback.format_exc().splitlines():
                    print('# ' + line)
                sys.stdout.flush()
    finally:
        if 'app' in state:
            state['app'].kill()
        server.close()
        emu.stop()
        if 'emu2' in state:
            state['emu2'].stop()
        if 'loop' in drive:
            drive['loop'].close()
        if 'media' in drive:
            subprocess.run(['rm', '-rf', drive['media']])
        subprocess.run(['rm', '-rf', tmp])
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
