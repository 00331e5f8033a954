#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The first run of the Demo iPhone, started as build-aux/run starts it (keepsake-demo with the
# build's app, emulator and sample library generator), with an empty cache: the window must
# open while the demo library is still being made, show the Demo iPhone as "Preparing the demo
# library…" with a progress bar, show the photos made so far in the grid, and end with all of
# them once the library is complete.
#
# No timing is asserted: the generator is held (KEEPSAKE_DEMO_HOLD, a file holding a number:
# it starts no more assets than that while the file exists), so the window is checked while
# the library is certainly incomplete, whatever the machine's speed; then it is let go.

import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'common'))
import atspi_driver  # noqa: E402
from kstap import Tap, build_info  # noqa: E402

atspi_driver.run_in_private_session()

import pyatspi as P  # noqa: E402

BUILD_ROOT = os.environ['KS_BUILD_ROOT']
DEMO = os.path.join(BUILD_ROOT, 'src', 'keepsake-demo')
APP = os.path.join(BUILD_ROOT, 'src', 'keepsake')
N_ASSETS = 48
HELD_AT = 8


def sanitized_build():
    try:
        return build_info(BUILD_ROOT)[1].get('b_sanitize') not in (None, 'none', '')
    except (OSError, ValueError, KeyError):
        return False


WAIT = 120 * (3 if sanitized_build() else 1)


def children_of(pid):
    out = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[1]) == pid:
                out.append((int(entry), os.path.realpath('/proc/%s/exe' % entry)))
        except (OSError, IndexError, ValueError):
            pass
    return out


def descendants(pid):
    out = []
    for child, exe in children_of(pid):
        out.append((child, exe))
        out.extend(descendants(child))
    return out


def wait_until(probe, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise atspi_driver.WaitTimeout('timed out waiting for ' + what)


def read_progress(path):
    try:
        with open(path) as f:
            made, total = f.read().split()
        return int(made), int(total)
    except (OSError, ValueError):
        return None


def screenshot(frame, name):
    out_dir = os.path.join(BUILD_ROOT, 'tests', 'screenshots', 'demo')
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + '.png')
    argv = ['import', '-silent', '-window', 'root']
    try:
        ext = frame.queryComponent().getExtents(P.WINDOW_COORDS)
        if ext.width > 0 and ext.height > 0:
            argv += ['-crop', '%dx%d+0+0' % (ext.width, ext.height), '+repage']
    except Exception:
        pass
    r = subprocess.run(argv + [path], capture_output=True)
    return path if r.returncode == 0 else None


def drive(tap, tree, demo, app_pid, cache, hold):
    progress = os.path.join(cache, 'keepsake', 'demo', 'library.progress')

    def find_frame():
        if demo.poll() is not None:
            raise atspi_driver.AppGone('keepsake-demo exited (%s)' % demo.returncode)
        if tree.app is None and tree.find_app() is None:
            return None
        for c in tree.children(tree.app):
            if c.getRole() == P.ROLE_FRAME and tree.is_showing(c):
                return c
        return None

    frame = tree.wait_for(find_frame, WAIT, 'the Keepsake window')
    state = read_progress(progress)
    tap.ok(state is not None and state[0] < state[1] == N_ASSETS,
           'the window is shown while the demo library is being made (%s)' % (state,))

    def demo_row(text):
        return tree.find(pred=lambda a: a.getRole() == P.ROLE_LIST_ITEM
                         and 'Demo iPhone' in tree.safe_name(a) and text in tree.safe_name(a))

    row = tree.wait_for(lambda: demo_row('Preparing the demo library'), WAIT,
                        'the Demo iPhone row saying it is preparing')
    tap.ok(True, 'the Demo iPhone is in the sidebar, preparing (%s)' % tree.safe_name(row))
    bar = tree.find(role=P.ROLE_PROGRESS_BAR, root=row)
    tap.ok(bar is not None, 'its row has a progress bar')

    # The first assets are made (the generator holds at HELD_AT): the grid shows them while
    # the library is still incomplete.
    grid = tree.wait_for(lambda: tree.find(role=P.ROLE_TABLE, name='Photos and Videos'),
                         WAIT, 'the photo grid')
    cells = tree.wait_for(lambda: len(tree.children(grid)) >= HELD_AT and tree.children(grid),
                          WAIT, 'a cell for each of the %d photos made so far' % HELD_AT)
    state = read_progress(progress)
    tap.ok(state == (HELD_AT, N_ASSETS),
           'the grid shows the %d photos made so far (%d cells) while the rest is not (%s)'
           % (HELD_AT, len(cells), state))
    tree.wait_for(lambda: demo_row('%d of %d' % (HELD_AT, N_ASSETS)), WAIT,
                  'the row saying %d of %d' % (HELD_AT, N_ASSETS))
    tap.ok(True, 'the row says how far it is (%d of %d)' % (HELD_AT, N_ASSETS))
    shot = screenshot(frame, 'preparing')
    tap.diag('screenshot: %s' % shot)

    # Let it go: the library is completed and the grid ends with all of it.
    os.unlink(hold)
    row = tree.wait_for(lambda: demo_row('%d not backed up yet' % N_ASSETS), WAIT * 2,
                        'the row counting all %d photos and videos' % N_ASSETS)
    tap.ok(True, 'when the library is complete, the window has all of it (%s)' % tree.safe_name(row))
    tap.ok(read_progress(progress) == (N_ASSETS, N_ASSETS), 'the generator made all of it')
    tap.ok(not demo_row('Preparing') and tree.find(role=P.ROLE_PROGRESS_BAR, root=row) is None,
           'the row no longer says it is preparing, and its progress bar is gone')
    stamp = os.path.join(cache, 'keepsake', 'demo', 'library.complete-3')
    wait_until(lambda: os.path.exists(stamp), WAIT, 'the complete stamp')
    with open(stamp) as f:
        tap.ok(f.read().strip() == str(N_ASSETS), 'the library is marked complete for the next start')
    shot = screenshot(frame, 'complete')
    tap.diag('screenshot: %s' % shot)


def main():
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix='ks-demo-') as tmp:
        home = os.path.join(tmp, 'home')
        cache = os.path.join(home, '.cache')
        os.makedirs(cache)
        hold = os.path.join(tmp, 'hold')
        with open(hold, 'w') as f:
            f.write('%d\n' % HELD_AT)

        env = dict(os.environ)
        env.update({
            'HOME': home,
            'XDG_CONFIG_HOME': os.path.join(home, '.config'),
            'XDG_DATA_HOME': os.path.join(home, '.local', 'share'),
            'XDG_CACHE_HOME': cache,
            'GSETTINGS_BACKEND': 'memory',
            'G_DEBUG': atspi_driver.APP_G_DEBUG,
            'LC_ALL': 'C.UTF-8',
            # As build-aux/run points keepsake-demo at the build.
            'KEEPSAKE_APP': APP,
            'KEEPSAKE_EMULATOR': os.path.join(BUILD_ROOT, 'tests', 'emulator', 'iphone-emulator'),
            'KEEPSAKE_SAMPLE_LIBRARY': os.path.join(BUILD_ROOT, 'tests', 'emulator', 'sample-library',
                                                    'iphone-sample-library'),
            'KEEPSAKE_DEMO_ASSETS': str(N_ASSETS),
            'KEEPSAKE_DEMO_HOLD': hold,
            'GTK_A11Y': 'atspi',
        })
        env.pop('LANGUAGE', None)
        env.pop('NO_AT_BRIDGE', None)
        env.pop('USBMUXD_SOCKET_ADDRESS', None)
        bus = atspi_driver.a11y_bus_address(WAIT)
        env['AT_SPI_BUS_ADDRESS'] = bus
        os.environ['AT_SPI_BUS_ADDRESS'] = bus

        log = open(os.path.join(tmp, 'demo.log'), 'w+')
        demo = subprocess.Popen([DEMO], env=env, stdout=log, stderr=subprocess.STDOUT)
        app_pid = None
        try:
            def find_app():
                if demo.poll() is not None:
                    raise atspi_driver.AppGone('keepsake-demo exited (%s)' % demo.returncode)
                for pid, exe in children_of(demo.pid):
                    if exe == os.path.realpath(APP):
                        return pid
                return None

            app_pid = wait_until(find_app, WAIT, 'keepsake started by keepsake-demo')
            tree = atspi_driver.AtspiTree(app_pid)
            try:
                drive(tap, tree, demo, app_pid, cache, hold)
            except Exception as e:
                tap.ok(False, 'the first run of the Demo iPhone', ['%s: %s' % (type(e).__name__, e)])
                if tree.app is not None:
                    tree.dump(visible_only=False)
        finally:
            if os.path.exists(hold):
                os.unlink(hold)
            started = descendants(demo.pid)
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
        tap.ok(rc in (0, 130, 143, -signal.SIGTERM), 'keepsake-demo ends when the app ends (exit %s)' % rc,
               text.splitlines()[-30:])
        left = [(pid, exe) for pid, exe in started if running_exe(pid) == exe]
        tap.ok(not left, 'nothing keepsake-demo started is left running', left)
    return tap.plan()


def running_exe(pid):
    """The program process @pid runs, or None when it has ended (a zombie not yet reaped by
    whoever inherited it has no exe any more)."""
    try:
        return os.readlink('/proc/%d/exe' % pid)
    except OSError:
        return None


if __name__ == '__main__':
    sys.exit(main())
