#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The real keepsake binary, driven only through the accessibility tree (AT-SPI), the way a
# screen reader user (Orca) would: wait for the emulated iPhone's photo grid, find "Back Up
# Everything" by its role and name, press it through the Action interface, wait for the
# progress panel to go and the toast to come, then check the backup on disk: every file the
# phone serves, byte for byte, in the configured folder, and no temporary file. Along the way,
# what a screen reader reads must make sense: header bar buttons and photo cells have names,
# every button is read once as its label (no mnemonic underscore), the progress panel is a
# named group.
#
# Runs in its own D-Bus session (so its own accessibility bus) with an isolated HOME, and with
# the destination set through GSettings' keyfile backend, as a user's settings would be.

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'emulator'))
import atspi_driver  # noqa: E402

atspi_driver.run_in_private_session()

from emulator import Emulator, make_sample_library  # noqa: E402

BUILD_ROOT = os.environ['KS_BUILD_ROOT']
APP = os.path.join(BUILD_ROOT, 'src', 'keepsake')
APP_ID = os.environ.get('KS_APP_ID', 'io.github.keepsake.Keepsake')
N_ASSETS = 24
DEVICE_NAME = 'Screen Reader iPhone'
TMP_MARK = '.keepsake-tmp-'
META_DIR = '.keepsake'


def sanitized_build():
    """The sanitizer build runs the app several times slower: wait longer there."""
    try:
        with open(os.path.join(BUILD_ROOT, 'meson-info', 'intro-buildoptions.json')) as f:
            for opt in json.load(f):
                if opt.get('name') == 'b_sanitize':
                    return opt.get('value') not in (None, 'none', '')
    except (OSError, ValueError):
        pass
    return False


SCALE = 3 if sanitized_build() else 1
WAIT = 60 * SCALE


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, details=()):
        self.n += 1
        if cond:
            print('ok %d %s' % (self.n, what))
        else:
            self.failed += 1
            print('not ok %d %s' % (self.n, what))
            for line in details:
                print('# ' + str(line))
        sys.stdout.flush()
        return cond

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line)
        sys.stdout.flush()


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def list_files(root, skip_meta=False):
    """Every regular file under root, as paths relative to it."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        if skip_meta:
            dirnames[:] = [d for d in dirnames if not (dirpath == root and d == META_DIR)]
        for name in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def isolated_env(root, base):
    """HOME and the XDG folders in root; settings in a keyfile there."""
    home = os.path.join(root, 'home')
    config = os.path.join(home, '.config')
    os.makedirs(config)
    with open(os.path.join(config, 'user-dirs.dirs'), 'w') as f:
        f.write('XDG_PICTURES_DIR="$HOME/Pictures"\n')
    env = dict(base)
    env.update({
        'HOME': home,
        'XDG_CONFIG_HOME': config,
        'XDG_DATA_HOME': os.path.join(home, '.local', 'share'),
        'XDG_CACHE_HOME': os.path.join(home, '.cache'),
        'XDG_RUNTIME_DIR': os.path.join(root, 'runtime'),
        'GSETTINGS_BACKEND': 'keyfile',
        # The app's warnings stay fatal (this script's own are not: see atspi_driver).
        'G_DEBUG': atspi_driver.APP_G_DEBUG,
    })
    os.makedirs(env['XDG_RUNTIME_DIR'], mode=0o700)
    return env


def gsettings(env, *args):
    return subprocess.run(['gsettings'] + list(args), env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def screenshot(tree, frame, name):
    """The window as the X server shows it (no window manager: at 0,0), in a folder of its own
    next to the other UI tests' screenshots (build-aux/update-screenshots copies only theirs to data/)."""
    out_dir = os.path.join(BUILD_ROOT, 'tests', 'screenshots', 'atspi')
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + '.png')
    argv = ['import', '-silent', '-window', 'root']
    try:
        ext = frame.queryComponent().getExtents(tree.pyatspi.WINDOW_COORDS)
        if ext.width > 0 and ext.height > 0:
            argv += ['-crop', '%dx%d+0+0' % (ext.width, ext.height), '+repage']
    except Exception:
        pass
    r = subprocess.run(argv + [path], capture_output=True, text=True)
    return path if r.returncode == 0 else None


def main():
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix='ks-atspi-') as tmp:
        library = os.path.join(tmp, 'library')
        destination = os.path.join(tmp, 'Backup Drive', 'iPhone Photos')
        make_sample_library(library, N_ASSETS, seed=11)
        library_files = list_files(library)
        library_sums = sorted(sha256(os.path.join(library, p)) for p in library_files)
        tap.diag('%d files on the emulated iPhone, %d bytes' % (
            len(library_files), sum(os.path.getsize(os.path.join(library, p)) for p in library_files)))

        with Emulator(['--device', library, '--name', DEVICE_NAME]) as emu:
            env = isolated_env(tmp, emu.env())
            # A configured folder that is missing is a drive that is not plugged in: the app
            # does not create it (only its default folder). The drive is here.
            os.makedirs(destination)
            gsettings(env, 'set', APP_ID, 'destinations', "['%s']" % destination)

            bus = atspi_driver.a11y_bus_address(WAIT)
            env['AT_SPI_BUS_ADDRESS'] = bus
            os.environ['AT_SPI_BUS_ADDRESS'] = bus
            # The other UI tests switch accessibility off; this one is about it.
            env['GTK_A11Y'] = 'atspi'
            env.pop('NO_AT_BRIDGE', None)
            # The names and dates read below are the untranslated ones.
            env['LC_ALL'] = 'C.UTF-8'
            env.pop('LANGUAGE', None)

            log = open(os.path.join(tmp, 'app.log'), 'w+')
            app = subprocess.Popen([APP], env=env, stdout=log, stderr=subprocess.STDOUT)
            tree = atspi_driver.AtspiTree(app.pid)
            status = 'failed'
            try:
                status = drive(tap, tree, emu, app, destination, library)
            except Exception as e:
                tap.ok(False, 'driving the window through AT-SPI', ['%s: %s' % (type(e).__name__, e)])
                if app.poll() is None:
                    tap.diag('The accessible tree:')
                    tree.dump(visible_only=False)
            finally:
                if app.poll() is None and status != 'quit':
                    app.terminate()
                try:
                    rc = app.wait(timeout=WAIT)
                except subprocess.TimeoutExpired:
                    app.kill()
                    rc = 'hung'
                log.seek(0)
                app_log = log.read().splitlines()
                log.close()

            if status == 'quit':
                tap.ok(rc == 0, 'the app quits cleanly when its window is closed (exit %s)' % rc,
                       app_log[-40:])
            elif app_log:
                tap.diag('The app said:\n' + '\n'.join(app_log[-40:]))

            # Whatever happened on screen, the disk tells the truth.
            if os.path.isdir(destination):
                check_destination(tap, destination, library_sums)
            else:
                tap.ok(False, 'the destination folder was created', [destination])

            check_folded(tap, env)

            default = os.path.join(env['HOME'], 'Pictures', 'iPhone')
            tap.ok(not os.path.exists(default),
                   'nothing went to the default folder when one is configured', [default])

    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


def check_destination(tap, destination, library_sums):
    everything = list_files(destination)
    temps = [p for p in everything if TMP_MARK in os.path.basename(p)]
    tap.ok(not temps, 'no temporary file is left in the destination', temps)
    stray = [p for p in list_files(destination, skip_meta=True)
             if os.path.basename(p).startswith('.')]
    tap.ok(not stray, 'no hidden file outside %s/' % META_DIR, stray)

    copies = list_files(destination, skip_meta=True)
    copy_sums = sorted(sha256(os.path.join(destination, p)) for p in copies)
    missing = sorted(set(library_sums) - set(copy_sums))
    extra = [p for p in copies if sha256(os.path.join(destination, p)) not in set(library_sums)]
    tap.ok(copy_sums == library_sums,
           'the destination holds a byte-identical copy of each of the %d files the iPhone serves'
           % len(library_sums),
           ['%d files copied, %d expected' % (len(copy_sums), len(library_sums))]
           + ['missing sha256 %s' % s for s in missing[:10]]
           + ['not from the iPhone: %s' % p for p in extra[:10]])


def expected_assets(library):
    """What the grid should show, one cell per asset: {file name: capture time} of the files
    that are not companions (a Live Photo's movie, an edit's IMG_E rendition and .AAE)."""
    names = {}
    for rel in list_files(library):
        names[os.path.basename(rel)] = os.path.getmtime(os.path.join(library, rel))
    stems = {os.path.splitext(n)[0] for n in names if n.upper().endswith('.HEIC')}
    out = {}
    for name, mtime in names.items():
        stem, ext = os.path.splitext(name)
        if ext.upper() == '.AAE' or stem.upper().startswith('IMG_E'):
            continue
        if ext.upper() == '.MOV' and stem in stems:
            continue
        out[name] = mtime
    return out


# GTK 4.8 names an accessible that has no name after its type ("GtkMenuButton", "GtkLabel").
TYPE_NAME = re.compile(r'^(Gtk|Adw|Ks)[A-Z][A-Za-z]*$')


def has_real_name(name):
    return bool(name.strip()) and not TYPE_NAME.match(name.strip())


def shown_text(tree, button):
    """What a button shows: the text of the labels inside it ('' for an icon)."""
    import pyatspi as P
    return ' '.join(n for n in (tree.safe_name(a) for a in tree.walk(button, visible_only=False)
                                if a is not button and tree.role(a) == P.ROLE_LABEL) if n)


def check_folded(tap, env):
    """The window at a phone's width: the header bar's Back Up Everything is only its icon,
    and still has its name (the label that named it is empty)."""
    import pyatspi as P
    gsettings(env, 'set', APP_ID, 'window-width', '360')
    app = subprocess.Popen([APP], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = atspi_driver.AtspiTree(app.pid)

    def icon_button():
        if app.poll() is not None:
            raise atspi_driver.AppGone('keepsake exited (%s)' % app.returncode)
        if tree.app is None and tree.find_app() is None:
            return None
        for b in tree.find_all(role=P.ROLE_PUSH_BUTTON):
            if tree.safe_name(b) == 'Back Up Everything':
                return b
        return None
    try:
        button = tree.wait_for(icon_button, WAIT, 'a push button named "Back Up Everything"')
        text = shown_text(tree, button)
        tap.ok(text == '', 'folded to a phone\'s width, Back Up Everything is an icon named '
               '"Back Up Everything" (it shows %r)' % text)
        # The Back button is there now, an icon too.
        buttons = tree.find_all(role=P.ROLE_PUSH_BUTTON)
        unnamed = [tree.describe(b) for b in buttons if not has_real_name(tree.safe_name(b))]
        tap.ok('Back' in [tree.safe_name(b) for b in buttons] and not unnamed,
               'folded, every button has a name, Back too',
               unnamed + ['push buttons: %r' % [tree.describe(b) for b in buttons]])
    except (atspi_driver.WaitTimeout, atspi_driver.AppGone) as e:
        names = [tree.describe(b) for b in tree.find_all(role=P.ROLE_PUSH_BUTTON)] \
            if app.poll() is None else []
        tap.ok(False, 'folded to a phone\'s width, Back Up Everything is an icon named '
               '"Back Up Everything"', [str(e), 'push buttons: %r' % names])
    finally:
        if app.poll() is None:
            app.terminate()
        try:
            app.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def drive(tap, tree, emu, app, destination, library):
    """The user's side, through AT-SPI only. Returns 'quit' once it closed the window."""
    import pyatspi as P

    def alive():
        if app.poll() is not None:
            raise atspi_driver.AppGone('keepsake exited (%s) while the test was using it' % app.returncode)
        return True

    # -- the window ------------------------------------------------------------------------
    def find_frame():
        alive()
        if tree.app is None and tree.find_app() is None:
            return None
        for c in tree.children(tree.app):
            if c.getRole() == P.ROLE_FRAME and tree.is_showing(c):
                return c
        return None

    t0 = time.monotonic()
    frame = tree.wait_for(find_frame, WAIT, 'the Keepsake window on the accessibility bus')
    tap.ok(True, 'the window is on the accessibility bus (%s, after %.1f s)'
           % (tree.describe(frame), time.monotonic() - t0))

    # -- the device's grid -------------------------------------------------------------------
    assets = expected_assets(library)
    grid = tree.wait_for(lambda: alive() and tree.find(role=P.ROLE_TABLE, name='Photos and Videos'),
                         WAIT, 'the photo grid (a table named "Photos and Videos")')

    def cells():
        """The grid's cells as (cell, name): GtkGridView's cell holds the photo cell (an image)."""
        out = []
        for cell in tree.children(grid):
            kids = tree.children(cell)
            out.append((cell, tree.safe_name(kids[0]) if kids else tree.safe_name(cell)))
        return out

    def settled_cells():
        """The cells once every asset has one, each says its backed-up state (known once the
        app has read the destination's index), and their names stopped changing."""
        alive()
        now = [n for _, n in cells()]
        complete = len(now) >= len(assets) and all(n.count(', ') >= 2 for n in now)
        if complete and now == settled_cells.last:
            settled_cells.stable += 1
        else:
            settled_cells.stable = 0
        settled_cells.last = now
        return now if settled_cells.stable >= 3 else None
    settled_cells.last = None
    settled_cells.stable = 0
    try:
        names = tree.wait_for(settled_cells, WAIT, 'one named cell per photo or video in the grid',
                              interval=0.2)
    except atspi_driver.WaitTimeout:
        names = settled_cells.last or []
    shown = [n.split(',')[0] for n in names]
    tap.ok(sorted(shown) == sorted(assets),
           'the grid has one cell per photo or video on the iPhone (%d), named after its file'
           % len(names),
           ['cells: %r' % names[:40], 'expected: %r' % sorted(assets)])

    cell_re = re.compile(r'^(IMG_\w+\.\w+), (\d{1,2} \w+ \d{4})(, (.*))?$')
    bad_dates = []
    for n in names:
        m = cell_re.match(n)
        if not m or m.group(1) not in assets:
            bad_dates.append('%r: not "file name, date[, state]"' % n)
            continue
        try:
            shown_day = time.mktime(time.strptime(m.group(2), '%d %b %Y'))
        except ValueError:
            bad_dates.append('%r: cannot read the date' % n)
            continue
        # The capture day where it was taken: its noon is within 26 h of the file's mtime.
        if abs(shown_day + 43200 - assets[m.group(1)]) > 26 * 3600:
            taken = time.strftime('%d %b %Y', time.gmtime(assets[m.group(1)]))
            bad_dates.append('%r: the file was taken %s' % (n, taken))
    tap.ok(names and not bad_dates,
           'each cell is read as "file name, capture date, backed-up state"', bad_dates)
    tap.ok(names and all(n.endswith(', not backed up yet') for n in names),
           'every cell says "not backed up yet" before the backup',
           [n for n in names if not n.endswith(', not backed up yet')])

    # -- one look at the whole window ----------------------------------------------------------
    everything = list(tree.walk(frame))
    roles = {}
    for acc in everything:
        try:
            roles.setdefault(acc.getRole(), []).append(acc)
        except Exception:
            pass
    buttons = roles.get(P.ROLE_PUSH_BUTTON, []) + roles.get(P.ROLE_TOGGLE_BUTTON, [])

    # The header bars: the strip at the top of the window, down to the window's Close button.
    close = [b for b in buttons if tree.safe_name(b) == 'Close' and tree.actions(b)[0] is not None
             and (tree.extents(b) or (0, 0, 0, 0))[1] < 100]
    header_bottom = None
    if close:
        e = tree.extents(close[0])
        header_bottom = e[1] + e[3] + 6
    header = []
    for b in buttons:
        r = tree.visible_area(b)
        if r is not None and header_bottom is not None and r[1] + r[3] / 2 < header_bottom:
            header.append(b)
    header_names = [tree.safe_name(b) for b in header]
    tap.diag('header bar buttons: %r' % [tree.describe(b) for b in header])

    # A button that shows text is read as that text, once, without the mnemonic's underscore;
    # an icon button has a name that says what it does, not its type ("GtkMenuButton").
    wrong = []
    for b in header:
        n, text = tree.safe_name(b), shown_text(tree, b)
        if text and n != text:
            wrong.append('%s shows %r' % (tree.describe(b), text))
        elif not text and not has_real_name(n):
            wrong.append('%s is an icon without a name' % tree.describe(b))
    tap.ok(len(header) >= 5 and not wrong,
           'every button in the header bars is read as its label, or named if it is an icon '
           '(%d buttons)' % len(header), wrong + ['found only %r' % header_names])
    tap.ok('Main Menu' in header_names and 'GtkMenuButton' not in header_names,
           'the main menu button is read "Main Menu"', ['header bar buttons: %r' % header_names])
    tap.ok(header_names.count('Back Up Everything') >= 1,
           'Back Up Everything is read once, as "Back Up Everything"',
           ['header bar buttons: %r' % header_names])

    # Every button of the window, on the pages not shown too: GTK 4.8 reads a button's
    # "label" with the mnemonic's underscore and then the label it makes inside ("_Clear
    # Clear"), and an explicit name with the name of the content ("Back Up Everything Back
    # Up Everything").
    all_buttons = [a for a in tree.walk(frame, visible_only=False)
                   if tree.role(a) in (P.ROLE_PUSH_BUTTON, P.ROLE_TOGGLE_BUTTON)]
    all_names = [tree.safe_name(b) for b in all_buttons]

    def read_twice(n):
        words = n.split()
        half = len(words) // 2
        return len(words) % 2 == 0 and half > 0 and words[:half] == words[half:]
    odd = sorted({n for n in all_names if '_' in n or read_twice(n)})
    tap.ok(not odd, 'no button of the window is read with "_" or twice (%d buttons)'
           % len(all_buttons), ['read as %r' % n for n in odd])
    # (The progress panel's Resume is hidden, so not on the bus: test-ui-window checks it.)
    expected = ['Try Again', 'Pair Again', 'Clear', 'Import Selected', 'Open Preferences',
                'Cancel', 'Main Menu', 'Back Up Everything', 'Add Folder…']
    tap.ok(not [n for n in expected if n not in all_names],
           'the buttons with a mnemonic are read by their label: %s' % ', '.join(expected),
           ['missing: %r' % [n for n in expected if n not in all_names],
            'buttons: %r' % sorted(set(all_names))])

    # The window's title: the iPhone's name, and how many photos and videos it has.
    header_labels = [tree.safe_name(a) for a in roles.get(P.ROLE_LABEL, [])
                     if header_bottom is not None and tree.visible_area(a) is not None
                     and tree.visible_area(a)[1] < header_bottom]
    tap.ok(DEVICE_NAME in header_labels
           and '%d photos and videos' % len(assets) in header_labels,
           'the header bar reads the iPhone\'s name and its number of photos and videos',
           ['labels in the header bars: %r' % header_labels])

    rows = [a for a in roles.get(P.ROLE_LIST_ITEM, []) if tree.safe_name(a).startswith(DEVICE_NAME)]
    row_name = tree.safe_name(rows[0]) if rows else ''
    tap.ok(rows and row_name.endswith('%d not backed up yet' % len(assets)),
           'the sidebar row reads the iPhone\'s name and what is left to back up (%r)' % row_name)

    # -- Back Up Everything ------------------------------------------------------------------
    def backup_button():
        alive()
        for b in tree.find_all(role=P.ROLE_PUSH_BUTTON, root=frame):
            n = tree.safe_name(b)
            if n == 'Back Up Everything' and tree.is_enabled(b):
                return b
        return None

    button = tree.wait_for(backup_button, WAIT, 'an enabled push button named "Back Up Everything"')
    bar = tree.find(role=P.ROLE_PROGRESS_BAR, name='Backup progress', root=frame)
    tap.ok(bar is not None and tree.visible_area(bar) is None,
           'no progress panel is on screen before the backup')
    # A screen reader user moves to the panel as a whole: a group that says what it is.
    groups = [a for a in tree.ancestors(bar) if tree.role(a) in (P.ROLE_PANEL, P.ROLE_GROUPING)] \
        if bar is not None else []
    tap.ok(any(tree.safe_name(g) == 'Backup Progress' for g in groups),
           'the progress panel is a group named "Backup Progress"',
           ['ancestors of the bar: %r' % [tree.describe(a) for a in tree.ancestors(bar)][:8]]
           if bar is not None else ['no progress bar'])

    # The toast comes as a new child of one of the grid's ancestors (the toast overlay).
    grid_line = tree.ancestors(grid)
    before = {id(a): len(tree.children(a)) for a in grid_line}

    # Slow enough to see the panel work; fast again once it has been seen.
    emu.control('rate 40000')
    how = tree.activate(button)
    tap.ok(True, 'Back Up Everything pressed through its "%s" action' % how)

    def panel_progress():
        alive()
        if tree.visible_area(bar) is None:
            return None
        v = bar.queryValue()
        value = (v.currentValue - v.minimumValue) / ((v.maximumValue - v.minimumValue) or 1)
        return value if 0 < value < 1 else None

    value = tree.wait_for(panel_progress, WAIT, 'the progress panel on screen with its bar moving')
    tap.ok(True, 'the progress panel is on screen and its bar reads %.0f %%' % (value * 100))
    emu.control('rate 0')

    tree.wait_for(lambda: alive() and tree.visible_area(bar) is None, WAIT,
                  'the progress panel to leave the screen')
    tap.ok(True, 'the progress panel leaves the screen when the backup ends')

    def toast_text():
        alive()
        for a in grid_line:
            kids = tree.children(a)
            for new in kids[before.get(id(a), len(kids)):]:
                for acc in tree.walk(new):
                    n = tree.safe_name(acc)
                    if acc.getRole() == P.ROLE_LABEL and 'backed up' in n:
                        return n
        return None

    try:
        toast = tree.wait_for(toast_text, WAIT, 'a toast saying what was backed up')
    except atspi_driver.WaitTimeout as e:
        toast = None
        tap.diag(str(e))
    tap.ok(toast is not None and toast.endswith('backed up to ' + destination),
           'a toast says where the files went (%r)' % toast)
    shot = screenshot(tree, frame, 'backed-up')
    if shot:
        tap.diag('screenshot: ' + shot)

    # -- what a screen reader now reads ------------------------------------------------------
    def all_backed_up():
        alive()
        now = [n for _, n in cells()]
        return now if now and all(n.endswith(', backed up once') for n in now) else None
    try:
        after = tree.wait_for(all_backed_up, WAIT, 'every cell to read "backed up once"')
    except atspi_driver.WaitTimeout:
        after = None
    tap.ok(after is not None and len(after) == len(assets),
           'every cell now reads "backed up once"', [n for _, n in cells()][:40])

    def row_done():
        alive()
        for r in (tree.children(rows[0].parent) if rows else []):
            n = tree.safe_name(r)
            if n.startswith(DEVICE_NAME) and 'not backed up' not in n and 'backed up' in n:
                return n
        return None
    try:
        row_after = tree.wait_for(row_done, WAIT, 'the sidebar row to say all is backed up')
    except atspi_driver.WaitTimeout:
        row_after = None
    tap.ok(row_after is not None, 'the sidebar row says everything is backed up (%r)' % row_after)

    # -- closing the window ends the app -----------------------------------------------------
    close_button = tree.wait_for(
        lambda: alive() and [b for b in tree.find_all(role=P.ROLE_PUSH_BUTTON, name='Close', root=frame)
                             if tree.visible_area(b) is not None and tree.visible_area(b)[1] < 100],
        WAIT, 'the window\'s Close button')[0]
    tree.activate(close_button)
    return 'quit'


if __name__ == '__main__':
    sys.exit(main())
