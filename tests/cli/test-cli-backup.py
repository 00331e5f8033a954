# test-cli-backup.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli backup / verify / status end to end through the emulated iPhone: a full copy
byte for byte, nothing twice, only new photos, app data lost, damaged and odd files, hostile
names, files of a type Keepsake does not know, verify finding exactly the flipped byte, dry run,
unavailable destination, one unreadable (evicted) original not stopping the backup."""

import collections
import os
import shutil

from clitest import (EXIT, Emulator, backup_files, check_complete, check_integrity, cli, cli_json,
                     env_for, index_entries, make_sample_library, media_files, run_tests, sha256,
                     temp_files)


def distinct(media):
    return len(set(media_files(media).values()))


def test_full_then_nothing_then_new(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 30, seed=11)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == distinct(media), doc
        # Assets, not files: 30 photos and videos (a Live Photo's movie is part of its photo).
        assert doc['photos_copied'] + doc['videos_copied'] == 30, doc
        assert doc['photos_copied'] > 0 and doc['videos_copied'] > 0, doc
        assert doc['failed'] == 0 and doc['source'] == 'device:' + emu.udid()
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        assert len(backup_files(dest)) == distinct(media)

        # Second run: copies nothing and reads no file data from the phone.
        emu.control('reset-stats')
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == 0 and doc['skipped'] == distinct(media), doc
        assert doc['photos_copied'] == 0 and doc['videos_copied'] == 0, doc
        assert emu.stats()['total'] == 0, emu.stats()

        # New photos on the phone: exactly those are copied.
        extra = os.path.join(tmp, 'extra')
        make_sample_library(extra, 5, seed=99)
        before = set(media_files(media).values())
        newdir = os.path.join(media, 'DCIM', '105APPLE')
        shutil.copytree(os.path.join(extra, 'DCIM', '100APPLE'), newdir)
        new = set(media_files(media).values()) - before
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == len(new), (doc, len(new))
        check_complete(dest, media)

        # status knows the device, the destination and the three runs.
        rc, st, _ = cli_json(['status'], env, expect=0)
        assert st['exists'] and st['copies'] == distinct(media)
        assert [d['udid'] for d in st['devices']] == [emu.udid()]
        assert len(st['destinations']) == 1 and st['destinations'][0]['copies'] == distinct(media)
        assert len(st['runs']) == 3 and all(r['status'].startswith('completed') for r in st['runs'])
        assert st['runs'][0]['id'] == doc['run_id'], (st['runs'], doc)   # newest first
        assert [r['id'] for r in st['runs']] == sorted((r['id'] for r in st['runs']), reverse=True)
        assert [r['copied'] for r in st['runs']] == [len(new), 0, distinct(media) - len(new)]
        sizes = {}
        for d, _, fs in os.walk(media):
            for f in fs:
                sizes[sha256(os.path.join(d, f))] = os.path.getsize(os.path.join(d, f))
        assert st['destinations'][0]['bytes'] == sum(sizes.values()), (st['destinations'], sizes)
        assert st['n_runs'] == 3 and st['backed_up'] == distinct(media), st


def test_app_data_deleted(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 12, seed=12)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        cli(['backup', '--to', dest], env, expect=0)
        shutil.rmtree(os.path.join(tmp, 'data'))
        shutil.rmtree(os.path.join(tmp, 'cache'), ignore_errors=True)
        before = backup_files(dest)
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == 0, doc
        assert backup_files(dest) == before


def test_verify_flipped_byte(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 10, seed=13)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        cli(['backup', '--to', dest], env, expect=0)
        rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=0)
        assert doc['checked'] == distinct(media) and doc['damaged'] == [] and doc['missing'] == []

        victim = sorted(backup_files(dest))[3]
        path = os.path.join(os.fsencode(dest), victim)
        with open(path, 'r+b') as f:
            f.seek(os.path.getsize(path) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x40]))
        rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=EXIT['damaged'])
        assert [d.encode() for d in doc['damaged']] == [victim], doc
        assert doc['missing'] == [] and doc['ok'] == distinct(media) - 1
        rc, out, _ = cli(['verify', '--to', dest], env, expect=EXIT['damaged'])
        assert 'DAMAGED' in out and out.count('DAMAGED') == 1


def test_verify_missing_and_replaced(tmp):
    """A deleted file is MISSING; a file with a symlink (even to the same bytes) or a folder in
    its place is DAMAGED, never missing: nothing vouches for it any more. Exit 10 either way,
    and verify changes nothing."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 8, seed=19)
    env = env_for(None, tmp)
    cli(['backup', '--source', os.path.join(media, 'DCIM'), '--to', dest], env, expect=0)
    files = sorted(backup_files(dest))
    assert len(files) >= 3
    root = os.fsencode(dest)
    gone, linked, folder = [os.path.join(root, f) for f in files[:3]]
    os.unlink(gone)
    outside = os.path.join(os.fsencode(tmp), b'outside')
    shutil.copyfile(linked, outside)
    os.unlink(linked)
    os.symlink(outside, linked)
    os.unlink(folder)
    os.mkdir(folder)

    rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=EXIT['damaged'])
    assert [m.encode() for m in doc['missing']] == [files[0]], doc
    assert sorted(d.encode() for d in doc['damaged']) == sorted(files[1:3]), doc
    assert doc['checked'] == len(files) and doc['ok'] == len(files) - 3, doc
    rc, out, _ = cli(['verify', '--to', dest], env, expect=EXIT['damaged'])
    assert out.count('MISSING') == 1 and out.count('DAMAGED') == 2, out
    assert '%d files checked: %d ok, 2 damaged, 1 missing' % (len(files), len(files) - 3) in out, out
    assert os.path.islink(linked) and os.path.isdir(folder) and not os.path.exists(gone)


def test_odd_files(tmp):
    """Corrupt, truncated and zero-byte media are copied byte for byte anyway."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 8, seed=14)
    d = os.path.join(media, 'DCIM', '100APPLE')
    files = sorted(os.listdir(d))
    heic = [f for f in files if f.endswith('.HEIC')][0]
    data = open(os.path.join(d, heic), 'rb').read()
    with open(os.path.join(d, 'IMG_9001.HEIC'), 'wb') as f:
        f.write(data[: len(data) // 3])                     # truncated HEIC
    with open(os.path.join(d, 'IMG_9002.JPG'), 'wb') as f:
        f.write(b'\xff\xd8\xff\xe1' + os.urandom(5000))     # JPEG header, garbage after
    with open(os.path.join(d, 'IMG_9003.MOV'), 'wb') as f:
        f.write(b'\x00\x00\x00\x08ftyp' + os.urandom(3000))  # broken QuickTime
    open(os.path.join(d, 'IMG_9004.JPG'), 'wb').close()     # zero bytes
    with open(os.path.join(d, 'IMG_9005.PNG'), 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n')                       # header only
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, doc, err = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['failed'] == 0, doc
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        names = {os.path.basename(p) for p in backup_files(dest)}
        for n in (b'IMG_9001.HEIC', b'IMG_9002.JPG', b'IMG_9003.MOV', b'IMG_9004.JPG', b'IMG_9005.PNG'):
            assert any(x.startswith(n.split(b'.')[0]) for x in names), (n, names)


def test_hostile_names(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 6, seed=15)
    outside = os.path.join(tmp, 'outside-marker')
    with open(outside, 'w') as f:
        f.write('keep me')
    before_tmp = set(os.listdir(tmp))
    with Emulator(['--device', media, '--hostile-names']) as emu:
        env = env_for(emu, tmp)
        rc, listing, _ = cli_json(['list'], env, expect=0)
        assert listing['count'] > len(media_files(media)), 'no hostile names listed'
        rc, doc, err = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['failed'] == 0, doc
        # Everything stayed inside the destination, nothing outside changed.
        assert set(os.listdir(tmp)) - before_tmp <= {'backup', 'data', 'cache'}, os.listdir(tmp)
        assert open(outside).read() == 'keep me'
        assert not os.path.exists('/etc/passwd.JPG')
        real_dest = os.path.realpath(dest)
        for d, dirs, files in os.walk(dest):
            for n in dirs + files:
                p = os.path.join(d, n)
                assert not os.path.islink(p), p
                assert os.path.realpath(p).startswith(real_dest + os.sep), p
                assert '/' not in n and n not in ('.', '..') and '\x00' not in n
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        # A second run still copies nothing, and overwrote nothing.
        snapshot = backup_files(dest)
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == 0 and backup_files(dest) == snapshot


# What else a phone may keep in DCIM, under DCIM (bytes): an unknown extension, none at all, a
# hidden file and folder, zero bytes, a name made to look like something else, a sidecar whose
# photo is gone. None of it is a photo or a video; all of it is the user's.
ODD_FILES = {
    b'100APPLE/IMG_0007.XYZ': b'XYZ\x00' + bytes(range(256)) * 40,
    b'100APPLE/IMG_0001.XYZ': b'same stem as a photo, not its companion',
    b'100APPLE/README': b'notes the phone kept\n',
    b'100APPLE/.hidden': b'hidden bytes',
    b'100APPLE/IMG_0010.XYZ': b'',
    b'100APPLE/-rf \x1b[31m\xff..evil.sh.': b'#!/bin/sh\nrm -rf /\n',
    b'100APPLE/IMG_0099.AAE': b'<?xml version="1.0"?><plist><dict/></plist>',
    b'.MISC/Info.plist': b'<plist version="1.0"><dict/></plist>',
}


def test_unknown_types(tmp):
    """Files of a type Keepsake does not know are listed as "other", copied byte for byte,
    counted apart from photos and videos, and nothing fails; a second run copies nothing."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 6, seed=21)
    dcim = os.path.join(os.fsencode(media), b'DCIM')
    for rel, data in ODD_FILES.items():
        os.makedirs(os.path.dirname(os.path.join(dcim, rel)), exist_ok=True)
        with open(os.path.join(dcim, rel), 'wb') as f:
            f.write(data)
    files = media_files(media)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, listing, _ = cli_json(['list'], env, expect=0)
        kinds = {f['path'].encode('utf-8', 'surrogateescape'): f['kind'] for f in listing['files']}
        assert listing['count'] == len(files), (listing['count'], len(files))
        for rel in ODD_FILES:
            # The JSON carries names as valid UTF-8; the one that is not is found by its stem.
            matches = [k for p, k in kinds.items() if p == rel or (b'\xff' in rel and b'evil.sh' in p)]
            assert matches, (rel, sorted(kinds))
            assert matches[0] == ('sidecar' if rel.endswith(b'.AAE') else 'other'), (rel, matches)
        assert {'heic', 'jpeg', 'mov'} <= set(kinds.values()), kinds

        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['failed'] == 0 and doc['errors'] == [], doc
        assert doc['copied'] == distinct(media), doc
        assert doc['others_copied'] == len(ODD_FILES), doc
        assert doc['photos_copied'] + doc['videos_copied'] == 6, doc
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        have = set(backup_files(dest).values())
        for rel, data in ODD_FILES.items():
            assert files[rel] in have, 'not backed up: %r' % rel
        # The bytes under the name they were given, too (names made safe, dated by mtime).
        stored = {os.path.basename(p): h for p, h in backup_files(dest).items()}
        assert stored[b'IMG_0007.XYZ'] == files[b'100APPLE/IMG_0007.XYZ']
        assert stored[b'README'] == files[b'100APPLE/README']
        assert stored[b'_hidden'] == files[b'100APPLE/.hidden']
        assert os.path.getsize(os.path.join(os.fsencode(dest), [p for p in backup_files(dest)
                               if os.path.basename(p) == b'IMG_0010.XYZ'][0])) == 0

        rc, out, _ = cli(['backup', '--to', os.path.join(tmp, 'second')], env, expect=0)
        assert 'Among them %d other files' % len(ODD_FILES) in out, out
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == 0 and doc['others_copied'] == 0 and doc['failed'] == 0, doc


def test_dry_run_and_destinations(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 6, seed=16)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['backup', '--to', dest, '--dry-run'], env, expect=0)
        assert doc['dry_run'] is True and doc['planned'] == distinct(media), doc
        assert backup_files(dest) == {}
        # A destination on a drive that is not there: 7, nothing created.
        gone = os.path.join(tmp, 'no-drive', 'Photos')
        rc, doc, _ = cli_json(['backup', '--to', gone], env, expect=EXIT['destination'])
        assert not os.path.exists(os.path.join(tmp, 'no-drive'))
        if os.geteuid() != 0:
            ro = os.path.join(tmp, 'ro')
            os.mkdir(ro, 0o555)
            cli(['backup', '--to', ro], env, expect=EXIT['destination'])
        cli(['verify', '--to', gone], env, expect=EXIT['destination'])


def test_folder_source(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 8, seed=17)
    env = env_for(None, tmp)
    rc, doc, _ = cli_json(['list', '--source', os.path.join(media, 'DCIM')], env, expect=0)
    assert doc['count'] == len(media_files(media))
    rc, doc, _ = cli_json(['backup', '--source', os.path.join(media, 'DCIM'), '--to', dest], env, expect=0)
    assert doc['copied'] == distinct(media)
    check_complete(dest, media)
    cli(['list', '--source', os.path.join(tmp, 'nope')], env, expect=EXIT['no-device'])


def test_progress_only_on_a_terminal(tmp):
    import pty
    import subprocess
    import clitest
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 6, seed=18)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        rc, out, err = cli(['backup', '--to', dest], env, expect=0)
        assert 'items' not in err and '\r' not in err, err
        master, slave = pty.openpty()
        p = subprocess.Popen([clitest.CLI, 'backup', '--to', os.path.join(tmp, 'b2')], env=env,
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out, _ = p.communicate(timeout=60)
        seen = b''
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        assert p.returncode == 0
        assert b'items' in seen, seen
        assert b'items' not in out


def test_unreadable_file(tmp):
    """An "Optimize iPhone Storage" original whose reads fail: the others are copied, it is
    listed as failed with its path, exit 9, nothing of it left behind or claimed; once it reads
    again the next run copies just that file."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 12, seed=31)
    files = media_files(media)
    counts = collections.Counter(files.values())
    bad = sorted(p for p, h in files.items() if p.upper().endswith(b'.HEIC') and counts[h] == 1)[0]
    bad_afc = '/DCIM/' + bad.decode()
    others = {h for p, h in files.items() if p != bad}
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        assert emu.control('read-error ' + bad_afc).startswith('ok')
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=EXIT['some-failed'])
        assert doc['failed'] == 1 and doc['copied'] == len(others), doc
        assert [e['path'] for e in doc['errors']] == [bad.decode()], doc['errors']
        assert temp_files(dest) == []
        have = set(backup_files(dest).values())
        assert others <= have, 'a readable file was not copied'
        assert files[bad] not in have and files[bad] not in index_entries(dest)
        check_integrity(dest, tmp, media)

        assert emu.control('clear-read-errors').startswith('ok')
        emu.control('reset-stats')
        rc, doc, _ = cli_json(['backup', '--to', dest], env, expect=0)
        assert doc['copied'] == 1 and doc['failed'] == 0 and doc['errors'] == [], doc
        assert list(emu.stats()['files'].keys()) == [bad_afc], emu.stats()
        check_complete(dest, media)
        check_integrity(dest, tmp, media)


run_tests([
    ('backup copies all byte for byte; again copies nothing; new photos only', test_full_then_nothing_then_new),
    ('app data deleted: backing up to the same folder copies nothing', test_app_data_deleted),
    ('verify reports exactly the file with a flipped byte', test_verify_flipped_byte),
    ('verify: deleted is missing, a symlink or folder in its place is damaged', test_verify_missing_and_replaced),
    ('corrupt, truncated and zero-byte files are copied byte-exact', test_odd_files),
    ('hostile names: all copied under safe names, nothing outside', test_hostile_names),
    ('files of unknown type: listed as other, copied byte for byte, counted', test_unknown_types),
    ('dry run writes nothing; missing drive exits 7', test_dry_run_and_destinations),
    ('folder source', test_folder_source),
    ('progress on stderr only when it is a terminal', test_progress_only_on_a_terminal),
    ('one unreadable original: the rest copied, exit 9, next run copies just it', test_unreadable_file),
])
