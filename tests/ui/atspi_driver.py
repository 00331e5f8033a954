# atspi_driver.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Drives a real GTK 4 application through the accessibility tree, as a screen reader does.

Standard library and Debian's pyatspi only (run with /usr/bin/python3):

    run_in_private_session()               # re-runs this script in its own D-Bus session
    os.environ['AT_SPI_BUS_ADDRESS'] = a11y_bus_address(60)   # before the first pyatspi call
    app = subprocess.Popen([...], env={..., 'AT_SPI_BUS_ADDRESS': ..., 'GTK_A11Y': 'atspi'})
    tree = AtspiTree(app.pid)              # the application's accessible root, by process id
    button = tree.wait_for(lambda: tree.find(role=pyatspi.ROLE_PUSH_BUTTON, name='OK'), 60, 'OK')
    tree.activate(button)                  # through the Action interface

Nothing here talks to the application by any other way than AT-SPI.

What GTK 4.8 shows (Debian 12): GTK_A11Y must be unset or "atspi" ("none" switches it off, an
empty value is an unknown backend). No SHOWING state below the window, and the pages of a
stack that are not shown are VISIBLE too: visible_area() tells from the extents instead. No
org.a11y.atspi.Cache (libatspi warns once about GetItems). Every call is a D-Bus round trip
that the application answers on its main thread: a walk of a whole window of ~450 accessibles
takes seconds, so poll small subtrees.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

__all__ = ['run_in_private_session', 'a11y_bus_address', 'AtspiTree', 'WaitTimeout', 'AppGone',
           'APP_G_DEBUG']

# Set in the environment of the copy of the script that runs inside its own session bus.
_PRIVATE_MARK = 'KS_ATSPI_PRIVATE_SESSION'
_DISPLAY_STASH = 'KS_ATSPI_DISPLAY'
_TAP_FD = 'KS_ATSPI_TAP_FD'

# G_DEBUG for the application under test, as the test run set it (fatal-warnings included).
# This script's own GLib runs without fatal-warnings: libatspi warns here about the Cache GTK
# 4.8 does not have, which says nothing about the application.
APP_G_DEBUG = os.environ.get('G_DEBUG', '')


def run_in_private_session():
    """Re-runs the calling script inside `dbus-run-session`, once.

    The session bus of the other UI tests is shared and they run with GTK_A11Y=none; this test
    needs its own accessibility bus (at-spi-bus-launcher, D-Bus-activated from its own session
    bus) and its own application name on the bus. The bus launcher is started without DISPLAY,
    so that it does not publish its address on the X server's root window, which every other
    test on the same Xvfb display shares; the application and this script are given the address
    in AT_SPI_BUS_ADDRESS instead (see a11y_bus_address()).

    The bus daemons print to their stdout, which must not mix with the TAP stream: they get
    stderr, and the script gets the real stdout back through an inherited descriptor.

    Returns only in the private copy; the outer one exits with the inner one's status.
    """
    if os.environ.get(_PRIVATE_MARK):
        # Before the first pyatspi import, which starts this process's GLib.
        os.environ['G_DEBUG'] = ','.join(
            f for f in APP_G_DEBUG.split(',') if f and f != 'fatal-warnings')
        if os.environ.get(_DISPLAY_STASH):
            os.environ['DISPLAY'] = os.environ.pop(_DISPLAY_STASH)
        fd = os.environ.pop(_TAP_FD, None)
        if fd is not None:
            sys.stdout.flush()
            os.dup2(int(fd), 1)
            os.close(int(fd))
        return
    env = dict(os.environ)
    env[_PRIVATE_MARK] = '1'
    if 'DISPLAY' in env:
        env[_DISPLAY_STASH] = env.pop('DISPLAY')
    env.pop('AT_SPI_BUS_ADDRESS', None)
    env.pop('DBUS_SESSION_BUS_ADDRESS', None)
    # The bus launcher's socket goes in XDG_RUNTIME_DIR (else in ~/.cache): a folder of ours.
    runtime = tempfile.mkdtemp(prefix='ks-atspi-runtime-')
    env['XDG_RUNTIME_DIR'] = runtime
    sys.stdout.flush()
    tap_fd = os.dup(1)
    env[_TAP_FD] = str(tap_fd)
    try:
        rc = subprocess.call(['dbus-run-session', '--', sys.executable] + sys.argv, env=env,
                             stdout=sys.stderr.fileno(), pass_fds=(tap_fd,))
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    sys.exit(rc)


def a11y_bus_address(timeout):
    """Asks org.a11y.Bus on the session bus for the accessibility bus (activating the launcher)."""
    deadline = time.monotonic() + timeout
    last = ''
    while time.monotonic() < deadline:
        out = subprocess.run(
            ['gdbus', 'call', '--session', '--dest', 'org.a11y.Bus', '--object-path', '/org/a11y/bus',
             '--method', 'org.a11y.Bus.GetAddress'],
            capture_output=True, text=True)
        # ('unix:path=/tmp/at-spi/...,guid=...',)
        if out.returncode == 0 and "'" in out.stdout:
            return out.stdout.split("'")[1]
        last = out.stderr.strip()
        time.sleep(0.1)
    raise RuntimeError('no accessibility bus: ' + last)


class WaitTimeout(Exception):
    pass


class AppGone(Exception):
    """Raised by a probe when waiting any longer is pointless (the application exited)."""


class AtspiTree:
    """The accessible tree of one application, found on the desktop by its process id.

    libatspi caches what it has read of an application and updates the cache from events that
    it only sees while its main context runs; a test that polls reads everything afresh instead.
    """

    def __init__(self, pid):
        import pyatspi
        from gi.repository import Atspi, GLib
        self.pyatspi = pyatspi
        self.Atspi = Atspi
        self.GLib = GLib
        self.pid = pid
        self.app = None

    # -- finding the application ------------------------------------------------------------

    def pump(self):
        ctx = self.GLib.MainContext.default()
        while ctx.iteration(False):
            pass

    def find_app(self):
        self.pump()
        desktop = self.pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            try:
                if child is not None and child.get_process_id() == self.pid:
                    child.set_cache_mask(self.Atspi.Cache.NONE)
                    self.app = child
                    return child
            except Exception:
                continue
        return None

    def refresh(self):
        self.pump()
        if self.app is not None:
            try:
                self.app.clear_cache()
            except Exception:
                pass

    # -- reading -----------------------------------------------------------------------------

    @staticmethod
    def safe_name(acc):
        try:
            return acc.name or ''
        except Exception:
            return ''

    @staticmethod
    def role(acc):
        """The role, or None for an object that left the tree while it was being read (the
        grid replaces cells as thumbnails arrive)."""
        try:
            return acc.getRole()
        except Exception:
            return None

    def states(self, acc):
        try:
            return acc.getState()
        except Exception:
            return None

    def is_showing(self, acc):
        s = self.states(acc)
        return s is not None and s.contains(self.pyatspi.STATE_SHOWING)

    def is_visible(self, acc):
        s = self.states(acc)
        return s is not None and s.contains(self.pyatspi.STATE_VISIBLE)

    def is_enabled(self, acc):
        s = self.states(acc)
        # GTK 4.8 sets SENSITIVE (not ENABLED) on what can be used
        return s is not None and s.contains(self.pyatspi.STATE_SENSITIVE)

    def children(self, acc):
        try:
            n = acc.childCount
        except Exception:
            return []
        out = []
        for i in range(n):
            try:
                c = acc.getChildAtIndex(i)
            except Exception:
                continue
            if c is not None:
                out.append(c)
        return out

    def walk(self, root=None, visible_only=True, max_depth=40):
        """root (the application) and its descendants, depth first; with visible_only, without
        the subtrees of hidden widgets. GTK 4.8 sets no SHOWING state below the window, and
        the pages of a stack that are not shown are still VISIBLE."""
        self.refresh()
        stack = [(root or self.app, 0)]
        while stack:
            acc, depth = stack.pop()
            yield acc
            if depth >= max_depth:
                continue
            kids = self.children(acc)
            for c in reversed(kids):
                if visible_only and not self.is_visible(c):
                    continue
                stack.append((c, depth + 1))

    def find_all(self, role=None, name=None, pred=None, root=None, visible_only=True):
        out = []
        for acc in self.walk(root, visible_only):
            try:
                if role is not None and acc.getRole() != role:
                    continue
                if name is not None and acc.name != name:
                    continue
                if pred is not None and not pred(acc):
                    continue
            except Exception:
                continue
            out.append(acc)
        return out

    def find(self, **kwargs):
        found = self.find_all(**kwargs)
        return found[0] if found else None

    def ancestors(self, acc):
        out = []
        try:
            p = acc.parent
            while p is not None and len(out) < 64:
                out.append(p)
                if p.getRole() == self.pyatspi.ROLE_APPLICATION:
                    break
                p = p.parent
        except Exception:
            pass
        return out

    def extents(self, acc):
        """(x, y, width, height) in window coordinates, or None."""
        try:
            e = acc.queryComponent().getExtents(self.pyatspi.WINDOW_COORDS)
        except Exception:
            return None
        return (e.x, e.y, e.width, e.height)

    def visible_area(self, acc):
        """The part of acc's rectangle that its ancestors do not clip away, as (x, y, w, h), or
        None when nothing of it is on screen. GTK 4.8 does not say which widgets are mapped
        (no SHOWING state below the window), but their extents do: a collapsed GtkRevealer is
        0 px high, and a widget pushed past the window's edge is outside the window."""
        r = self.extents(acc)
        if r is None:
            return None
        x0, y0, x1, y1 = r[0], r[1], r[0] + r[2], r[1] + r[3]
        for a in self.ancestors(acc):
            try:
                if a.getRole() == self.pyatspi.ROLE_APPLICATION:
                    break
            except Exception:
                return None
            e = self.extents(a)
            if e is None:
                continue
            x0, y0 = max(x0, e[0]), max(y0, e[1])
            x1, y1 = min(x1, e[0] + e[2]), min(y1, e[1] + e[3])
        if x1 <= x0 or y1 <= y0:
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    # -- acting ------------------------------------------------------------------------------

    def actions(self, acc):
        try:
            action = acc.queryAction()
        except NotImplementedError:
            return None, []
        return action, [action.getName(i) for i in range(action.nActions)]

    def activate(self, acc, preferred=('click', 'activate', 'press')):
        action, names = self.actions(acc)
        if action is None:
            raise AssertionError('%s has no Action interface' % self.describe(acc))
        for want in preferred:
            if want in names:
                if not action.doAction(names.index(want)):
                    raise AssertionError('%s refused %s' % (self.describe(acc), want))
                return want
        raise AssertionError('%s has no click action, only %r' % (self.describe(acc), names))

    # -- waiting -----------------------------------------------------------------------------

    def wait_for(self, probe, timeout, what, interval=0.1):
        """Calls probe() until it returns something true; returns that. A probe that raises
        AppGone ends the wait at once; other errors (the tree changed under it) are retried."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = probe()
            except AppGone:
                raise
            except Exception as e:
                value = None
                last_error = e
            else:
                last_error = None
            if value:
                return value
            if time.monotonic() >= deadline:
                raise WaitTimeout('timed out after %.0f s waiting for %s%s'
                                  % (timeout, what, (' (%s)' % last_error) if last_error else ''))
            time.sleep(interval)
            self.pump()

    # -- diagnostics -------------------------------------------------------------------------

    def describe(self, acc):
        try:
            role = acc.getRoleName()
        except Exception:
            role = '?'
        return '%s "%s"' % (role, self.safe_name(acc))

    def dump(self, out=None, root=None, visible_only=False, max_depth=30):
        """The tree, one accessible a line, as TAP comments."""
        out = out or sys.stdout
        self.refresh()
        root = root or self.app
        if root is None:
            print('# (the application is not on the accessibility bus)', file=out)
            return

        def rec(acc, depth):
            s = self.states(acc)
            flags = ''
            if s is not None:
                flags = ' '.join(sorted(st.value_nick
                                        for st in s.getStates()
                                        if st != self.pyatspi.STATE_ENABLED))
            print('# %s%s [%s] (%d)' % ('  ' * depth, self.describe(acc), flags,
                                        len(self.children(acc))), file=out)
            if depth >= max_depth:
                return
            for c in self.children(acc):
                if visible_only and not self.is_visible(c):
                    continue
                rec(c, depth + 1)

        rec(root, 0)
        out.flush()
