#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Keepsake as a user gets it: `meson install --destdir` of this build into a temporary folder,
# then everything started from there and from nowhere else. Checks that the install holds the
# app, keepsake-cli, the desktop file, the metainfo (valid, with this version's release), the
# icons, the settings schema, the translations, the manual pages and the Demo iPhone (emulator,
# sample library generator, launcher) under libexec/keepsake; runs the installed keepsake-cli
# (--version, devices and a backup of the installed emulator's phone, byte for byte), and the
# installed app through the installed Demo iPhone launcher under Xvfb, in a D-Bus session of its
# own, until its window shows the Demo iPhone on the accessibility bus. The programs run with
# PATH, XDG_DATA_DIRS and GSETTINGS_SCHEMA_DIR of the install only and a temporary working
# folder: none of their environment, executables or libraries may point into the source or
# build tree.

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.environ['KS_SOURCE_ROOT']
BUILD_ROOT = os.environ['KS_BUILD_ROOT']
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'ui'))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'common'))
import atspi_driver  # noqa: E402
from kstap import Tap, build_info, files_under, sha256  # noqa: E402

atspi_driver.run_in_private_session()

APP_ID = os.environ.get('KS_APP_ID', 'io.github.keepsake.Keepsake')
SANITIZER_KEYS = ('ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS')
VERSION, OPTIONS = build_info(BUILD_ROOT)
SANITIZED = OPTIONS.get('b_sanitize') not in (None, 'none', '')
WAIT = 90 * (3 if SANITIZED else 1)


def points_into_tree(value):
    """Whether a string names the source or the build tree."""
    return any(root in value for root in (os.path.realpath(SOURCE_ROOT), os.path.realpath(BUILD_ROOT),
                                          SOURCE_ROOT, BUILD_ROOT))


def installed_env(root, tmp):
    """The environment of a user of the install: nothing from this test run but the display,
    the session bus and (in the sanitizer build) the sanitizer options."""
    home = os.path.join(tmp, 'home')
    os.makedirs(os.path.join(home, '.config'), exist_ok=True)
    runtime = os.path.join(tmp, 'runtime')
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    env = {
        'PATH': os.path.join(root, OPTIONS['bindir']) + ':/usr/bin:/bin',
        'HOME': home,
        'XDG_CONFIG_HOME': os.path.join(home, '.config'),
        'XDG_DATA_HOME': os.path.join(home, '.local', 'share'),
        'XDG_CACHE_HOME': os.path.join(home, '.cache'),
        'XDG_RUNTIME_DIR': runtime,
        # The install's, then the system's (shared-mime-info, icon themes: without them GTK
        # cannot even tell an SVG icon from other data).
        'XDG_DATA_DIRS': os.path.join(root, OPTIONS['datadir']) + ':/usr/share',
        'GSETTINGS_SCHEMA_DIR': os.path.join(root, OPTIONS['datadir'], 'glib-2.0', 'schemas'),
        'GSETTINGS_BACKEND': 'keyfile',
        'LC_ALL': 'C.UTF-8',
        'G_DEBUG': atspi_driver.APP_G_DEBUG,
        'GDK_BACKEND': 'x11',
        'GSK_RENDERER': 'cairo',
        'GDK_DEBUG': 'gl-disable',
    }
    for key in ('DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'XAUTHORITY') + SANITIZER_KEYS:
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def check_env_clean(tap, env, what):
    bad = ['%s=%s' % (k, v) for k, v in env.items() if k not in SANITIZER_KEYS and points_into_tree(v)]
    tap.ok(not bad, '%s: no environment variable points into the source or build tree' % what, bad)


def proc_env(pid):
    with open('/proc/%d/environ' % pid, 'rb') as f:
        items = f.read().split(b'\0')
    out = {}
    for item in items:
        if b'=' in item:
            k, v = item.split(b'=', 1)
            out[k.decode('utf-8', 'replace')] = v.decode('utf-8', 'replace')
    return out


def children_of(pid):
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                stat = f.read()
            ppid = int(stat.rsplit(')', 1)[1].split()[1])
            if ppid == pid:
                out.append((int(name), os.readlink('/proc/%s/exe' % name)))
        except (OSError, ValueError, IndexError):
            continue
    return out


def check_process(tap, pid, exe, what):
    """A running process is the installed program, with a clean environment, and no library
    it loaded comes from the build tree."""
    try:
        real_exe = os.readlink('/proc/%d/exe' % pid)
        env = proc_env(pid)
        with open('/proc/%d/maps' % pid) as f:
            maps = {line.split()[-1] for line in f if len(line.split()) >= 6}
    except OSError as e:
        tap.ok(False, '%s: still running to be looked at' % what, [str(e)])
        return
    tap.ok(real_exe == os.path.realpath(exe), '%s runs %s' % (what, exe), [real_exe])
    check_env_clean(tap, env, what + ' (running)')
    mapped = sorted(m for m in maps if points_into_tree(m))
    tap.ok(not mapped, '%s loads nothing from the source or build tree' % what, mapped)


def wait_until(probe, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise atspi_driver.WaitTimeout('timed out after %.0f s waiting for %s' % (timeout, what))
        time.sleep(0.2)


def run(argv, env, cwd, timeout=120, **kw):
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)


def check_install(tap, root, version):
    datadir = os.path.join(root, OPTIONS['datadir'])
    bindir = os.path.join(root, OPTIONS['bindir'])
    pkglibexec = os.path.join(root, OPTIONS['libexecdir'], 'keepsake')
    expected = [
        os.path.join(bindir, 'keepsake'),
        os.path.join(bindir, 'keepsake-cli'),
        os.path.join(datadir, 'applications', APP_ID + '.desktop'),
        os.path.join(datadir, 'metainfo', APP_ID + '.metainfo.xml'),
        os.path.join(datadir, 'icons', 'hicolor', 'scalable', 'apps', APP_ID + '.svg'),
        os.path.join(datadir, 'icons', 'hicolor', 'symbolic', 'apps', APP_ID + '-symbolic.svg'),
        os.path.join(datadir, 'glib-2.0', 'schemas', APP_ID + '.gschema.xml'),
        os.path.join(root, OPTIONS['localedir'], 'de', 'LC_MESSAGES', 'keepsake.mo'),
        os.path.join(root, OPTIONS['mandir'], 'man1', 'keepsake-cli.1'),
        os.path.join(root, OPTIONS['mandir'], 'man1', 'keepsake.1'),
    ]
    if OPTIONS.get('demo', True):
        expected += [os.path.join(pkglibexec, n)
                     for n in ('keepsake-demo', 'iphone-emulator', 'iphone-sample-library')]
    missing = [p for p in expected if not os.path.isfile(p)]
    tap.ok(not missing, 'the install holds the app, keepsake-cli, desktop file, metainfo, icons, '
           'schema, translations, manual pages and the Demo iPhone', missing)
    programs = [p for p in expected if p.startswith(bindir) or p.startswith(pkglibexec)]
    not_exec = [p for p in programs if os.path.isfile(p) and not os.access(p, os.X_OK)]
    tap.ok(not not_exec, 'the programs are executable', not_exec)
    extra = sorted(set(os.listdir(bindir)) - {'keepsake', 'keepsake-cli'})
    tap.ok(not extra, 'only keepsake and keepsake-cli go to bin/ (no test program)', extra)

    # No RPATH/RUNPATH into the build tree.
    for p in programs:
        if not os.path.isfile(p) or p.endswith('keepsake-demo'):
            continue
        dyn = subprocess.run(['readelf', '-d', p], capture_output=True, text=True).stdout
        paths = [line for line in dyn.splitlines() if 'RPATH' in line or 'RUNPATH' in line]
        tap.ok(not paths, '%s has no RPATH or RUNPATH' % os.path.basename(p), paths)

    desktop = expected[2]
    r = subprocess.run(['desktop-file-validate', desktop], capture_output=True, text=True)
    tap.ok(r.returncode == 0 and not r.stdout.strip(), 'the installed desktop file is valid',
           (r.stdout + r.stderr).splitlines())
    metainfo = expected[3]
    r = subprocess.run(['appstreamcli', 'validate', '--no-net', '--explain', metainfo],
                       capture_output=True, text=True)
    tap.ok(r.returncode == 0, 'the installed metainfo is valid (appstreamcli validate --no-net)',
           (r.stdout + r.stderr).splitlines())
    with open(metainfo) as f:
        text = f.read()
    tap.ok('<release version="%s"' % version in text,
           'the metainfo lists a release of this version (%s)' % version)

    # What gnome.post_install does without DESTDIR (and a dpkg trigger does for a package).
    schemas = os.path.join(datadir, 'glib-2.0', 'schemas')
    r = subprocess.run(['glib-compile-schemas', '--strict', schemas], capture_output=True, text=True)
    tap.ok(r.returncode == 0 and os.path.isfile(os.path.join(schemas, 'gschemas.compiled')),
           'the installed schema compiles', r.stderr.splitlines())


def check_cli(tap, root, tmp, version):
    pkglibexec = os.path.join(root, OPTIONS['libexecdir'], 'keepsake')
    cwd = os.path.join(tmp, 'cwd')
    os.makedirs(cwd, exist_ok=True)
    env = installed_env(root, os.path.join(tmp, 'cli'))
    check_env_clean(tap, env, 'keepsake-cli')

    r = run(['keepsake-cli', '--version'], env, cwd)
    tap.ok(r.returncode == 0 and r.stdout.strip() == 'keepsake-cli ' + version,
           'the installed keepsake-cli --version says %s' % version, [r.returncode, r.stdout, r.stderr])

    library = os.path.join(tmp, 'library')
    r = run([os.path.join(pkglibexec, 'iphone-sample-library'), '--out', library, '--count', '6',
             '--seed', '7', '--fast'], env, cwd, timeout=WAIT * 2)
    tap.ok(r.returncode == 0, 'the installed sample library generator makes a library',
           r.stderr.splitlines()[-10:])
    library_files = files_under(library)
    sums = sorted(sha256(os.path.join(library, p)) for p in library_files)

    emulator = os.path.join(pkglibexec, 'iphone-emulator')
    address = 'UNIX:' + os.path.join(env['XDG_RUNTIME_DIR'], 'usbmuxd')
    emu = subprocess.Popen([emulator, '--listen', address, '--state', os.path.join(tmp, 'state'),
                            '--exit-with-stdout', '--device', library, '--name', 'Installed iPhone'],
                           env=env, cwd=cwd, stdout=subprocess.PIPE, text=True)
    try:
        line = emu.stdout.readline()
        while line and line.strip() != 'ready':
            line = emu.stdout.readline()
        tap.ok(line.strip() == 'ready', 'the installed emulator starts')
        check_process(tap, emu.pid, emulator, 'the installed emulator')
        env['USBMUXD_SOCKET_ADDRESS'] = address
        r = run(['keepsake-cli', '--json', 'devices'], env, cwd, timeout=WAIT)
        names = []
        try:
            out = json.loads(r.stdout)
            devices = out.get('devices', out) if isinstance(out, dict) else out
            names = [d.get('name') for d in devices if isinstance(d, dict)]
        except ValueError:
            pass
        tap.ok(r.returncode == 0 and 'Installed iPhone' in names,
               'the installed keepsake-cli devices lists the emulated iPhone',
               [r.returncode, r.stdout, r.stderr])

        dest = os.path.join(tmp, 'Backup')
        os.makedirs(dest)
        r = run(['keepsake-cli', 'backup', '--to', dest], env, cwd, timeout=WAIT * 2)
        tap.ok(r.returncode == 0, 'the installed keepsake-cli backs up the phone (exit 0)',
               [r.returncode] + (r.stdout + r.stderr).splitlines()[-20:])
        copies = files_under(dest, skip=('.keepsake',))
        copy_sums = sorted(sha256(os.path.join(dest, p)) for p in copies)
        tap.ok(library_files and copy_sums == sums,
               'the backup holds each of the %d files of the phone, byte for byte' % len(sums),
               ['%d copies, %d files on the phone' % (len(copies), len(sums))])
    finally:
        emu.terminate()
        try:
            emu.wait(timeout=30)
        except subprocess.TimeoutExpired:
            emu.kill()
            emu.wait()
        emu.stdout.close()


def check_app(tap, root, tmp, version):
    """The installed Demo iPhone launcher: it makes the demo library, starts the installed
    emulator and the installed app, whose window shows the Demo iPhone."""
    import pyatspi as P

    pkglibexec = os.path.join(root, OPTIONS['libexecdir'], 'keepsake')
    app_exe = os.path.join(root, OPTIONS['bindir'], 'keepsake')
    cwd = os.path.join(tmp, 'cwd')
    os.makedirs(cwd, exist_ok=True)
    env = installed_env(root, os.path.join(tmp, 'app'))
    env['KEEPSAKE_DEMO_ASSETS'] = '8'
    bus = atspi_driver.a11y_bus_address(WAIT)
    env['AT_SPI_BUS_ADDRESS'] = bus
    os.environ['AT_SPI_BUS_ADDRESS'] = bus
    env['GTK_A11Y'] = 'atspi'
    check_env_clean(tap, env, 'the app')

    log = open(os.path.join(tmp, 'demo.log'), 'w+')
    demo = subprocess.Popen([os.path.join(pkglibexec, 'keepsake-demo')], env=env, cwd=cwd,
                            stdout=log, stderr=subprocess.STDOUT)
    app_pid = None
    try:
        def find_app():
            if demo.poll() is not None:
                raise atspi_driver.AppGone('keepsake-demo exited (%s)' % demo.returncode)
            for pid, exe in children_of(demo.pid):
                if exe == os.path.realpath(app_exe):
                    return pid
            return None

        tree = None
        try:
            # The first start makes the demo library (8 photos and videos).
            app_pid = wait_until(find_app, WAIT * 2, 'keepsake started by keepsake-demo')
        except Exception as e:
            tap.ok(False, 'keepsake-demo starts the installed keepsake', ['%s' % e])
        if app_pid:
            tap.ok(True, 'keepsake-demo starts the installed keepsake')
            check_process(tap, app_pid, app_exe, 'the installed app')
            emulators = [pid for pid, exe in children_of(demo.pid)
                         if exe == os.path.realpath(os.path.join(pkglibexec, 'iphone-emulator'))]
            tap.ok(len(emulators) == 1, 'keepsake-demo runs the installed emulator',
                   children_of(demo.pid))

            tree = atspi_driver.AtspiTree(app_pid)

            def find_frame():
                if demo.poll() is not None:
                    raise atspi_driver.AppGone('keepsake-demo exited (%s)' % demo.returncode)
                if tree.app is None and tree.find_app() is None:
                    return None
                for c in tree.children(tree.app):
                    if c.getRole() == P.ROLE_FRAME and tree.is_showing(c):
                        return c
                return None

            try:
                frame = tree.wait_for(find_frame, WAIT, 'the Keepsake window')
                tap.ok(True, 'the installed app shows its window (%s)' % tree.describe(frame))
                device = tree.wait_for(
                    lambda: tree.find(pred=lambda a: 'Demo iPhone' in tree.safe_name(a)),
                    WAIT, 'the Demo iPhone in the window')
                tap.ok(True, 'the window shows the Demo iPhone (%s)' % tree.describe(device))
                grid = tree.wait_for(
                    lambda: tree.find(role=P.ROLE_TABLE, name='Photos and Videos'),
                    WAIT, 'the photo grid')
                cells = tree.wait_for(lambda: len(tree.children(grid)) >= 8 and tree.children(grid),
                                      WAIT, 'a cell for each of the 8 demo photos and videos')
                tap.ok(True, 'the grid shows the %d demo photos and videos' % len(cells))
                shot = os.path.join(BUILD_ROOT, 'tests', 'screenshots', 'install')
                os.makedirs(shot, exist_ok=True)
                r = subprocess.run(['import', '-silent', '-window', 'root',
                                    os.path.join(shot, 'installed-demo.png')], capture_output=True)
                tap.diag('screenshot: %s (exit %d)' % (os.path.join(shot, 'installed-demo.png'),
                                                      r.returncode))
            except Exception as e:
                tap.ok(False, 'the installed app shows its window with the Demo iPhone',
                       ['%s: %s' % (type(e).__name__, e)])
                if tree.app is not None:
                    tree.dump(visible_only=False)
    finally:
        if app_pid:
            try:
                os.kill(app_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        elif demo.poll() is None:
            demo.terminate()
        try:
            rc = demo.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            demo.kill()
            rc = 'hung'
        log.seek(0)
        text = log.read()
        log.close()
    tap.ok(rc in (0, -signal.SIGTERM, 128 + signal.SIGTERM, 143),
           'keepsake-demo ends when the app ends (exit %s)' % rc, text.splitlines()[-30:])
    left = children_of(demo.pid)
    tap.ok(not left, 'nothing keepsake-demo started is left running', left)


def main():
    tap = Tap()
    version = VERSION
    with tempfile.TemporaryDirectory(prefix='ks-install-') as tmp:
        dest = os.path.join(tmp, 'dest')
        r = subprocess.run(['meson', 'install', '-C', BUILD_ROOT, '--no-rebuild', '--quiet',
                            '--destdir', dest], capture_output=True, text=True)
        if not tap.ok(r.returncode == 0, 'meson install --destdir succeeds',
                      (r.stdout + r.stderr).splitlines()[-20:]):
            return tap.plan()
        root = dest + OPTIONS['prefix']
        check_install(tap, root, version)
        check_cli(tap, root, tmp, version)
        check_app(tap, root, tmp, version)
    return tap.plan()


if __name__ == '__main__':
    sys.exit(main())
