# test-cli-library.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli and the phone's Photos library (PhotoData/Photos.sqlite of the sample library,
iOS 14 and 17 schemas): list --json gives each asset's flags and albums, the albums with their
counts and what is only in iCloud, as the generator wrote them; backup copies every original on
the phone (DCIM and PhotoData/CPLAssets) and counts the iCloud-only ones apart; --album and
--favorites back up exactly those; a phone without the database lists as before."""

import os

from clitest import (EXIT, Emulator, backup_files, cli, cli_json, env_for, make_photos_library,
                     make_sample_library, run_tests)


def phone_originals(media):
    """Files of DCIM and of PhotoData/CPLAssets: what a backup must copy."""
    out = []
    for sub in ('DCIM', os.path.join('PhotoData', 'CPLAssets')):
        for d, _, files in os.walk(os.path.join(media, sub)):
            out += [os.path.join(d, f) for f in files]
    return out


def check_library(tmp, ios):
    media = os.path.join(tmp, 'phone')
    m = make_photos_library(media, ios)
    lib = m['library']
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['list'], env, expect=0)
        assets = doc['assets']
        # Every asset of the library: those listed from the phone, then those only in iCloud.
        assert len(assets) == int(lib['assets']), (len(assets), lib['assets'])
        for key in ('favorite', 'hidden', 'screenshot', 'trashed', 'icloud_only'):
            assert all(isinstance(a[key], bool) for a in assets), key
        counts = {
            'favorites': sum(a['favorite'] for a in assets),
            'hidden': sum(a['hidden'] for a in assets),
            'trashed': sum(a['trashed'] for a in assets),
            'screenshots': sum(a['screenshot'] for a in assets),
            'icloud_only': sum(a['icloud_only'] for a in assets),
        }
        for key, value in counts.items():
            assert value == int(lib[key]), (ios, key, value, lib[key])
        assert doc['icloud_only'] == {'count': int(lib['icloud_only']),
                                      'bytes': int(lib['icloud_only_bytes'])}, doc['icloud_only']
        albums = {a['name']: a['count'] for a in doc['albums']}
        assert albums == {k: int(v) for k, v in m['albums'].items()}, (albums, dict(m['albums']))
        assert 'Trips/Summer/Beach' in albums and 'Old trip' not in albums
        # Each album's count is what its assets say (not in Recently Deleted, not hidden).
        for name, count in albums.items():
            members = [a for a in assets if name in a['albums'] and not a['trashed'] and not a['hidden']]
            assert len(members) == count, (name, count, len(members))
        # iCloud-only assets have no file; CPLAssets originals are listed as files.
        assert all(a['files'] == [] for a in assets if a['icloud_only'])
        cpl = [f['path'] for f in doc['files'] if f['path'].startswith('../PhotoData/CPLAssets/')]
        assert len(cpl) == int(lib['cpl']), cpl

        # Everything on the phone; the iCloud-only originals said apart, never failed.
        dest = os.path.join(tmp, 'all')
        rc, run, _ = cli_json(['backup', '--to', dest], env, expect=0)
        originals = phone_originals(media)
        assert run['copied'] == len(originals) and run['failed'] == 0 and run['errors'] == [], run
        assert run['not_on_device'] == int(lib['icloud_only']), run
        assert run['not_on_device_bytes'] == int(lib['icloud_only_bytes']), run
        stored = {os.path.basename(p) for p in backup_files(dest)}
        for a in assets:
            if a['icloud_only']:
                assert os.fsencode(os.path.basename(a['path'])) not in stored, a
        for p in originals:
            if '/CPLAssets/' in p:
                assert os.fsencode(os.path.basename(p)) in stored, p
        rc, out, _ = cli(['backup', '--to', os.path.join(tmp, 'text')], env, expect=0)
        assert 'not on this iPhone' in out, out

        # One album (in a folder), then the favourites: exactly their files.
        for args, pick in ((['--album', 'Trips/Italy 2023'], lambda a: 'Trips/Italy 2023' in a['albums']),
                           (['--favorites'], lambda a: a['favorite'])):
            dest = os.path.join(tmp, 'pick-%s' % args[0].strip('-'))
            rc, run, _ = cli_json(['backup', '--to', dest] + args, env, expect=0)
            want = [f for a in assets if pick(a) and not a['icloud_only'] for f in a['files']]
            assert len(want) > 0, args
            assert run['copied'] == len(want) and run['failed'] == 0, (args, run, want)
            assert len(backup_files(dest)) == len(want)

        rc, _, err = cli(['backup', '--to', os.path.join(tmp, 'none'), '--album', 'No such album'],
                         env, expect=EXIT['usage'])
        assert 'No such album' in err, err


def test_ios14(tmp):
    check_library(tmp, 14)


def test_ios17(tmp):
    check_library(tmp, 17)


def test_without_library(tmp):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 6, seed=5)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['list'], env, expect=0)
        assert doc['count'] == len(doc['files']) and len(doc['assets']) == 6, doc
        assert doc['albums'] == [] and doc['icloud_only'] == {'count': 0, 'bytes': 0}
        assert not any(a['favorite'] or a['albums'] for a in doc['assets'])
        rc, _, err = cli(['backup', '--to', os.path.join(tmp, 'd'), '--favorites'], env, expect=EXIT['failed'])
        assert 'could not be read' in err, err


if __name__ == '__main__':
    run_tests([('ios14', test_ios14), ('ios17', test_ios17), ('without-library', test_without_library)])
