#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Debian package, built from this source tree by build-aux/build-deb (which compiles the
# whole project again, in a copy of the tree): its control fields (this version, the libraries
# found by dh_shlibdeps, usbmuxd recommended), its files (the app, keepsake-cli, desktop file,
# metainfo, icons, schema, translations, manual pages, the Demo iPhone under
# /usr/libexec/keepsake, no test program), keepsake-cli from the unpacked package, and lintian
# with no error (its warnings and notes are printed). Nothing is written into or next to the
# source tree.
#
# In the `deb` suite, which the default test setup leaves out: `meson test --setup full`
# (build-aux/run-tests) runs it.

import glob
import os
import subprocess
import sys
import tempfile

SOURCE_ROOT = os.environ['KS_SOURCE_ROOT']
BUILD_ROOT = os.environ['KS_BUILD_ROOT']
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'common'))
from kstap import Tap, build_info  # noqa: E402

APP_ID = 'io.github.keepsake.Keepsake'   # the package is built with the default profile


def build_traces():
    """What a package build run in the source tree would leave: debian/, obj-*/, and packages
    in the folder above."""
    parent = os.path.dirname(os.path.abspath(SOURCE_ROOT))
    out = [os.path.join(SOURCE_ROOT, n) for n in os.listdir(SOURCE_ROOT)
           if n == 'debian' or n.startswith('obj-')]
    out += [os.path.join(parent, n) for n in os.listdir(parent)
            if n.startswith('keepsake_') or n.startswith('keepsake-dbgsym_')]
    return sorted(out)


def check_control(tap, deb, version):
    fields = {}
    for name in ('Package', 'Version', 'Architecture', 'Depends', 'Recommends'):
        fields[name] = subprocess.run(['dpkg-deb', '-f', deb, name], capture_output=True,
                                      text=True).stdout.strip()
    tap.ok(fields['Package'] == 'keepsake' and fields['Version'] == version,
           'the package is keepsake %s' % version, [fields])
    depends = [d.strip().split()[0] for d in fields['Depends'].split(',') if d.strip()]
    wanted = ['libgtk-4-1', 'libadwaita-1-0', 'libimobiledevice6', 'libheif1', 'libsqlite3-0',
              'libssl3', 'libglib2.0-0']
    tap.ok(all(w in depends for w in wanted) and '${' not in fields['Depends'],
           'Depends holds the libraries dh_shlibdeps found (%d entries)' % len(depends),
           [fields['Depends']])
    recommends = [d.strip().split()[0] for d in fields['Recommends'].split(',') if d.strip()]
    tap.ok('usbmuxd' in recommends, 'usbmuxd is recommended', [fields['Recommends']])


def check_files(tap, deb):
    listing = subprocess.run(['dpkg-deb', '-c', deb], capture_output=True, text=True).stdout
    paths = {line.split()[5].lstrip('.') for line in listing.splitlines() if len(line.split()) >= 6}
    expected = [
        '/usr/bin/keepsake',
        '/usr/bin/keepsake-cli',
        '/usr/share/applications/%s.desktop' % APP_ID,
        '/usr/share/metainfo/%s.metainfo.xml' % APP_ID,
        '/usr/share/icons/hicolor/scalable/apps/%s.svg' % APP_ID,
        '/usr/share/icons/hicolor/symbolic/apps/%s-symbolic.svg' % APP_ID,
        '/usr/share/glib-2.0/schemas/%s.gschema.xml' % APP_ID,
        '/usr/share/locale/de/LC_MESSAGES/keepsake.mo',
        '/usr/share/man/man1/keepsake-cli.1.gz',
        '/usr/share/man/man1/keepsake.1.gz',
        '/usr/libexec/keepsake/keepsake-demo',
        '/usr/libexec/keepsake/iphone-emulator',
        '/usr/libexec/keepsake/iphone-sample-library',
        '/usr/share/doc/keepsake/copyright',
    ]
    missing = [p for p in expected if p not in paths]
    tap.ok(not missing, 'the package holds the app, keepsake-cli, desktop file, metainfo, icons, '
           'schema, translations, manual pages and the Demo iPhone', missing)
    bins = sorted(p for p in paths if p.startswith('/usr/bin/') and p != '/usr/bin/')
    tap.ok(bins == ['/usr/bin/keepsake', '/usr/bin/keepsake-cli'],
           'only keepsake and keepsake-cli go to /usr/bin', bins)
    devel = [p for p in paths if '.Devel' in p]
    tap.ok(not devel, 'the package is the default profile, not the development one', devel)


def check_unpacked(tap, deb, tmp, version):
    root = os.path.join(tmp, 'unpacked')
    subprocess.run(['dpkg-deb', '-x', deb, root], check=True)
    env = {'PATH': '/usr/bin:/bin', 'HOME': tmp, 'LC_ALL': 'C.UTF-8'}
    r = subprocess.run([os.path.join(root, 'usr', 'bin', 'keepsake-cli'), '--version'],
                       env=env, cwd=tmp, capture_output=True, text=True)
    tap.ok(r.returncode == 0 and r.stdout.strip() == 'keepsake-cli ' + version,
           "the package's keepsake-cli --version says %s" % version, [r.returncode, r.stdout, r.stderr])
    for page in ('keepsake-cli.1.gz', 'keepsake.1.gz'):
        r = subprocess.run(['man', '--warnings', '-l', os.path.join(root, 'usr/share/man/man1', page)],
                           env=dict(env, MANWIDTH='80'), capture_output=True, text=True)
        tap.ok(r.returncode == 0 and not r.stderr.strip() and 'NAME' in r.stdout,
               'man -l renders %s without warnings' % page, r.stderr.splitlines())
    metainfo = os.path.join(root, 'usr/share/metainfo/%s.metainfo.xml' % APP_ID)
    r = subprocess.run(['appstreamcli', 'validate', '--no-net', metainfo], capture_output=True, text=True)
    tap.ok(r.returncode == 0, "the package's metainfo is valid", (r.stdout + r.stderr).splitlines())
    desktop = os.path.join(root, 'usr/share/applications/%s.desktop' % APP_ID)
    r = subprocess.run(['desktop-file-validate', desktop], capture_output=True, text=True)
    tap.ok(r.returncode == 0 and not r.stdout.strip(), "the package's desktop file is valid",
           (r.stdout + r.stderr).splitlines())


def check_lintian(tap, deb):
    r = subprocess.run(['lintian', '--fail-on', 'error', '--display-info', deb],
                       capture_output=True, text=True)
    tags = [line for line in r.stdout.splitlines() if line[:2] in ('E:', 'W:', 'I:', 'P:')]
    errors = [t for t in tags if t.startswith('E:')]
    tap.ok(r.returncode == 0 and not errors, 'lintian finds no error', errors + r.stderr.splitlines())
    tap.diag('lintian: %d warnings, %d notes' % (sum(t.startswith('W:') for t in tags),
                                                  sum(t.startswith('I:') for t in tags)))
    for t in tags:
        tap.diag('  ' + t)


def main():
    tap = Tap()
    version, _ = build_info(BUILD_ROOT)
    before = build_traces()
    with tempfile.TemporaryDirectory(prefix='ks-deb-') as tmp:
        out = os.path.join(tmp, 'out')
        log_path = os.path.join(tmp, 'build.log')
        with open(log_path, 'w') as log:
            r = subprocess.run([os.path.join(SOURCE_ROOT, 'build-aux', 'build-deb'), out],
                               stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        with open(log_path) as log:
            lines = log.read().splitlines()
        warnings = [line for line in lines if 'warning:' in line]
        debs = glob.glob(os.path.join(out, 'keepsake_%s_*.deb' % version))
        if not tap.ok(r.returncode == 0 and len(debs) == 1,
                      'build-aux/build-deb builds keepsake_%s_*.deb' % version,
                      ['exit %d' % r.returncode] + lines[-40:]):
            return tap.plan()
        tap.ok(not warnings, 'the package build compiles without warnings', warnings[:20])
        deb = debs[0]
        tap.diag('%s: %d bytes' % (os.path.basename(deb), os.path.getsize(deb)))
        check_control(tap, deb, version)
        check_files(tap, deb)
        check_unpacked(tap, deb, tmp, version)
        check_lintian(tap, deb)
    after = build_traces()
    tap.ok(after == before, 'building the package writes nothing into or next to the source tree',
           sorted(set(after) - set(before)))
    return tap.plan()


if __name__ == '__main__':
    sys.exit(main())
