# test-cli-library-views.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the phone's Photos library says, kept at the destination: its own index records each
photo's favourite, hidden and Recently Deleted flags, albums and date (for the sample library
of every iOS schema, 13 to 18); with the options on, an XMP sidecar next to each photo that
exiftool and exiv2 (independent readers, from Debian) read back with the right rating,
keywords, hierarchical subjects and date, and an Albums folder of hard links with exactly each
album's photos; an album renamed or removed on the phone is renamed or removed there at the
next run; a FAT drive gets a list file per album instead of links."""

import json
import os
import shutil
import sqlite3
import subprocess

from urllib.parse import unquote

from clitest import EXIT, Emulator, Skip, cli, cli_json, env_for, make_photos_library, run_tests, sha256


def index_infos(dest):
    """{sha256: {'fav', 'hidden', 'trash', 'date', 'albums'}}, the last line for each wins."""
    infos = {}
    with open(os.path.join(dest, '.keepsake', 'index'), encoding='utf-8') as f:
        for line in f.read().split('\n'):
            if not line.startswith('info '):
                continue
            fields = line.split(' ')
            info = {'fav': False, 'hidden': False, 'trash': False, 'date': None, 'albums': []}
            for field in fields[2:]:
                key, _, value = field.partition('=')
                value = unquote(value)
                if key in ('fav', 'hidden', 'trash'):
                    info[key] = value == '1'
                elif key == 'date':
                    info['date'] = value
                elif key == 'album':
                    info['albums'].append(value)
            infos[fields[1]] = info
    return infos


def index_paths(dest):
    """{sha256: relative path} of the originals (not the derived files)."""
    paths = {}
    with open(os.path.join(dest, '.keepsake', 'index'), encoding='utf-8', errors='surrogateescape') as f:
        for line in f.read().split('\n'):
            parts = line.split(' ', 2)
            if len(parts) == 3 and len(parts[0]) == 64:
                paths[parts[0]] = parts[2]
    return paths


def on_phone(media, asset):
    return os.path.normpath(os.path.join(media, 'DCIM', asset['files'][0]))


def expected_albums(media, assets, paths):
    """album → set of stored paths: what Photos shows in it (not hidden, not deleted)."""
    albums = {}
    for a in assets:
        if a['icloud_only'] or a['hidden'] or a['trashed']:
            continue
        stored = paths[sha256(on_phone(media, a))]
        for name in a['albums']:
            albums.setdefault(name, set()).add(stored)
    return albums


def album_members(dest, name):
    """The photos an album's folder links to, as stored paths (by inode, never following)."""
    folder = os.path.join(dest, 'Albums', *name.split('/'))
    by_inode = {}
    for d, _, files in os.walk(dest):
        if os.path.relpath(d, dest).split(os.sep)[0] in ('Albums', '.keepsake'):
            continue
        for f in files:
            st = os.lstat(os.path.join(d, f))
            by_inode[st.st_ino] = os.path.relpath(os.path.join(d, f), dest)
    members = set()
    for f in os.listdir(folder):
        path = os.path.join(folder, f)
        if os.path.isdir(path) and not os.path.islink(path):
            continue
        st = os.lstat(path)
        assert st.st_nlink > 1, path  # a hard link, not a copy
        members.add(by_inode[st.st_ino])
    return members


def check_albums(dest, media, assets, paths, manifest_albums):
    want = expected_albums(media, assets, paths)
    for name, count in manifest_albums.items():
        if int(count) == 0:
            continue
        assert len(want[name]) == int(count), (name, count, want.get(name))
        assert album_members(dest, name) == want[name], name
    return want


def exiftool(files):
    out = subprocess.run(['exiftool', '-j', '-G1', '-struct', '-XMP:all'] + files,
                         capture_output=True, text=True, check=True).stdout
    return {os.path.basename(d['SourceFile']): d for d in json.loads(out)}


def exiv2(path):
    out = subprocess.run(['exiv2', '-PXkv', path], capture_output=True, text=True).stdout
    values = {}
    for line in out.splitlines():
        key, _, value = line.partition(' ')
        values[key] = value.strip()
    return values


def as_list(value):
    return value if isinstance(value, list) else [value]


def check_sidecars(dest, media, assets, paths):
    sidecars = []
    for a in assets:
        if a['icloud_only']:
            continue
        stored = paths[sha256(on_phone(media, a))]
        sidecars.append((a, os.path.join(dest, stored + '.xmp')))
    assert all(os.path.isfile(p) for _, p in sidecars), [p for _, p in sidecars if not os.path.isfile(p)]
    read = exiftool([p for _, p in sidecars])
    for a, path in sidecars:
        tags = read[os.path.basename(path)]
        titles = sorted({n.split('/')[-1] for n in a['albums']})
        hierarchy = sorted(n.replace('/', '|') for n in a['albums'])
        assert tags.get('XMP-xmp:Rating') == (5 if a['favorite'] else None), (path, tags)
        assert sorted(as_list(tags.get('XMP-dc:Subject', []))) == titles, (path, tags)
        assert sorted(as_list(tags.get('XMP-lr:HierarchicalSubject', []))) == hierarchy, (path, tags)
        assert tags.get('XMP-photoshop:DateCreated'), (path, tags)
        assert tags.get('XMP-exif:DateTimeOriginal'), (path, tags)
        # exiv2 reads the same from its own parser.
        values = exiv2(path)
        if a['favorite']:
            assert values.get('Xmp.xmp.Rating') == '5', (path, values)
        else:
            assert 'Xmp.xmp.Rating' not in values, (path, values)
        if titles:
            assert sorted(values['Xmp.dc.subject'].split(', ')) == titles, (path, values)
            assert sorted(values['Xmp.lr.hierarchicalSubject'].split(', ')) == hierarchy, (path, values)
        assert values.get('Xmp.photoshop.DateCreated', '')[:4] == tags['XMP-photoshop:DateCreated'][:4], values
        assert 'Xmp.exif.DateTimeOriginal' in values, values
    return read


def check_index(dest, media, assets, paths):
    infos = index_infos(dest)
    for a in assets:
        if a['icloud_only']:
            continue
        h = sha256(on_phone(media, a))
        assert h in infos, a
        info = infos[h]
        assert info['fav'] == a['favorite'] and info['hidden'] == a['hidden'], (a, info)
        assert info['trash'] == a['trashed'], (a, info)
        assert sorted(info['albums']) == sorted(set(a['albums'])), (a, info)
        assert info['date'] and info['date'][4] == '-', info


def backup_and_list(env, media):
    rc, run, _ = cli_json(['backup'], env, expect=0)
    assert run['failed'] == 0 and run['errors'] == [], run
    assert run['library_views']['errors'] == [] and run['library_views']['sidecars_failed'] == 0, run
    rc, doc, _ = cli_json(['list'], env, expect=0)
    return run, doc['assets']


def check_version(tmp, ios, full):
    media = os.path.join(tmp, 'phone-%d' % ios)
    m = make_photos_library(media, ios)
    dest = os.path.join(tmp, 'dest-%d' % ios)
    os.mkdir(dest)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, os.path.join(tmp, 'home-%d' % ios))
        rc, doc, _ = cli_json(['destinations', 'add', dest, '--xmp-sidecars', '--album-folders'], env, expect=0)
        assert doc['xmp_sidecars'] is True and doc['album_folders'] is True, doc
        _, assets = backup_and_list(env, media)
        paths = index_paths(dest)
        check_index(dest, media, assets, paths)
        check_albums(dest, media, assets, paths, m['albums'])
        if not full:
            return
        check_sidecars(dest, media, assets, paths)

        # A second run changes nothing.
        before = {p: os.stat(p).st_mtime_ns for p in (os.path.join(d, f) for d, _, fs in os.walk(dest)
                                                     for f in fs if f.endswith('.xmp'))}
        backup_and_list(env, media)
        after = {p: os.stat(p).st_mtime_ns for p in before}
        assert before == after

        # On the phone: "Norway" renamed "Norge", "Family" deleted.
        db = sqlite3.connect(os.path.join(media, 'PhotoData', 'Photos.sqlite'))
        db.execute("UPDATE ZGENERICALBUM SET ZTITLE = 'Norge' WHERE ZTITLE = 'Norway'")
        db.execute("UPDATE ZGENERICALBUM SET ZTRASHEDSTATE = 1 WHERE ZTITLE = 'Family'")
        db.commit()
        db.close()
        _, assets = backup_and_list(env, media)
        albums = {k: v for k, v in m['albums'].items() if k != 'Family'}
        albums['Trips/Norge'] = albums.pop('Trips/Norway')
        assert all('Trips/Norway' not in a['albums'] for a in assets)
        check_index(dest, media, assets, paths)
        check_albums(dest, media, assets, paths, albums)
        assert not os.path.exists(os.path.join(dest, 'Albums', 'Trips', 'Norway'))
        assert not os.path.exists(os.path.join(dest, 'Albums', 'Family'))
        check_sidecars(dest, media, assets, paths)
        # The photos themselves are all still there, once each.
        for a in assets:
            if not a['icloud_only']:
                assert os.path.isfile(os.path.join(dest, paths[sha256(on_phone(media, a))]))


def test_every_version(tmp):
    for ios in (13, 14, 15, 16, 18):
        check_version(tmp, ios, full=False)


def test_sidecars_and_renames(tmp):
    if not shutil.which('exiftool') or not shutil.which('exiv2'):
        raise Skip('exiftool and exiv2 are needed (libimage-exiftool-perl, exiv2)')
    check_version(tmp, 17, full=True)


def test_set_switches(tmp):
    """destinations set ID --xmp-sidecars on|off --album-folders on|off, in any order; off by
    default; a wrong value is a usage error that changes nothing."""
    env = env_for(None, tmp)
    dest = os.path.join(tmp, 'dest')
    os.mkdir(dest)
    rc, doc, _ = cli_json(['destinations', 'add', dest], env, expect=0)
    dest_id = doc['destination']['id']
    assert doc['xmp_sidecars'] is False and doc['album_folders'] is False, doc
    rc, doc, _ = cli_json(['destinations', 'set', dest_id, '--album-folders', 'on', '--xmp-sidecars', 'off'],
                          env, expect=0)
    assert doc['xmp_sidecars'] is False and doc['album_folders'] is True, doc
    rc, doc, _ = cli_json(['destinations', 'set', dest_id, '--xmp-sidecars', 'on'], env, expect=0)
    assert doc['xmp_sidecars'] is True and doc['album_folders'] is True, doc
    rc, _, err = cli(['destinations', 'set', dest_id, '--xmp-sidecars=maybe'], env, expect=EXIT['usage'])
    assert 'on or off' in err, err
    rc, _, err = cli(['destinations', 'enable', dest_id, '--album-folders'], env, expect=EXIT['usage'])
    rc, out, _ = cli(['destinations', 'set', dest_id, '--album-folders', 'off'], env, expect=0)
    assert 'Albums folder: off' in out and 'XMP sidecars with favourites, albums and dates: on' in out, out


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


def test_fat_drive(tmp):
    """On a FAT32 drive (no hard or symbolic links) each album's folder holds a list file."""
    if os.geteuid() != 0:
        raise Skip('needs root for loop devices and mounts')
    image = os.path.join(tmp, 'fat.img')
    with open(image, 'wb') as f:
        f.truncate(64 << 20)
    made = run('mkfs.vfat', '-F', '32', '-n', 'FATDRIVE', image)
    if made.returncode != 0:
        raise Skip('mkfs.vfat: ' + made.stderr.strip())
    attached = run('losetup', '--find', '--show', image)
    if attached.returncode != 0:
        raise Skip('no loop device: ' + attached.stderr.strip())
    loop = attached.stdout.strip()
    mnt = os.path.join(tmp, 'media', 'FATDRIVE')
    mounted = False
    try:
        os.makedirs(mnt)
        # The kernel's driver, else the FUSE one (as the drive tests do).
        if run('mount', '-t', 'vfat', loop, mnt).returncode != 0:
            assert run('fusefat', '-o', 'rw+,fsname=' + loop, loop, mnt).returncode == 0
        mounted = True
        dest = os.path.join(mnt, 'Photos')
        os.mkdir(dest)
        media = os.path.join(tmp, 'phone')
        m = make_photos_library(media, 16)
        with Emulator(['--device', media]) as emu:
            env = env_for(emu, tmp)
            rc, doc, _ = cli_json(['destinations', 'add', dest, '--album-folders', '--xmp-sidecars'], env, expect=0)
            assert doc['destination']['kind'] == 'drive', doc
            _, assets = backup_and_list(env, media)
        paths = index_paths(dest)
        want = expected_albums(media, assets, paths)
        for name, count in m['albums'].items():
            if int(count) == 0:
                continue
            folder = os.path.join(dest, 'Albums', *name.split('/'))
            if not os.path.isdir(folder):
                # A FAT driver that takes no emoji in names: they read as '_'.
                folder = ''.join(c if ord(c) <= 0xffff else '_' for c in folder)
            entries = [f for f in os.listdir(folder) if not os.path.isdir(os.path.join(folder, f))]
            assert entries == ['album.txt'], (name, entries)
            with open(os.path.join(folder, 'album.txt'), encoding='utf-8') as f:
                listed = set(f.read().split('\n')) - {''}
            assert listed == want[name], (name, listed, want[name])
            assert all(os.path.isfile(os.path.join(dest, p)) for p in listed)
        for a in assets:
            if not a['icloud_only']:
                assert os.path.isfile(os.path.join(dest, paths[sha256(on_phone(media, a))] + '.xmp')), a
    finally:
        if mounted:
            run('umount', '-l', mnt)
        run('losetup', '-d', loop)


if __name__ == '__main__':
    run_tests([('destinations set --xmp-sidecars / --album-folders on|off', test_set_switches),
               ('every iOS schema: the index records flags and albums, the Albums folder has their photos',
                test_every_version),
               ('XMP sidecars read by exiftool and exiv2; renamed and removed albums follow', test_sidecars_and_renames),
               ('a FAT drive gets a list file per album', test_fat_drive)])
