# test-cli-destinations.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli destinations and backup without --to, end to end: a folder added (by a
relative path) is listed, filled byte for byte from the emulated iPhone by a plain `backup`,
shows its last success per device in `destinations list` and `status` (with the run started
by "cli"), and is removed; disabled destinations are left alone; bad targets and an empty plan
are refused with a sentence and exit 2, before any phone is waited for."""

import os
import sqlite3
import subprocess

from clitest import (EXIT, Emulator, Skip, backup_files, catalog_path, check_complete,
                     check_integrity, cli, cli_json, env_for, index_entries, make_sample_library,
                     media_files, run_tests, sha256)


def plan(env):
    rc, doc, _ = cli_json(['destinations', 'list'], env, expect=0)
    assert doc['command'] == 'destinations' and doc['action'] == 'list', doc
    return doc['destinations']


def distinct(media):
    return len(set(media_files(media).values()))


def test_add_list_backup_remove(tmp):
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'Backups', 'Phone')
    make_sample_library(media, 10, seed=31)
    os.makedirs(dest)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        assert plan(env) == []

        # A relative target is taken from the current folder and stored absolute.
        old_cwd = os.getcwd()
        os.chdir(os.path.join(tmp, 'Backups'))
        try:
            rc, doc, _ = cli_json(['destinations', 'add', 'Phone', '--name', 'My backup'], env, expect=0)
        finally:
            os.chdir(old_cwd)
        added = doc['destination']
        assert added['location'] == dest and added['name'] == 'My backup', doc

        entries = plan(env)
        assert len(entries) == 1, entries
        entry = entries[0]
        assert entry['id'] == added['id'] and len(entry['id']) > 0
        assert entry['kind'] == 'folder' and entry['location'] == dest and entry['enabled'] is True
        assert entry['methods'] == ['files'] and entry['last_success'] == {}, entry

        # No --to: the plan, through the backup service.
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['copied'] == distinct(media) and doc['failed'] == 0, doc
        assert doc['destination'] == dest and doc['origin'] == 'cli', doc
        assert [d['id'] for d in doc['destinations']] == [entry['id']], doc
        check_complete(dest, media)
        check_integrity(dest, tmp, media)
        with open(os.path.join(dest, '.keepsake', 'id')) as f:
            assert f.read().strip() == entry['id']

        # The run is recorded with who started it; the plan knows its last success.
        con = sqlite3.connect(catalog_path(tmp))
        try:
            origins = [r[0] for r in con.execute('SELECT origin FROM runs')]
        finally:
            con.close()
        assert origins == ['cli'], origins
        entry = plan(env)[0]
        assert list(entry['last_success'].keys()) == ['device:' + emu.udid()], entry
        assert list(entry['last_success'].values())[0] > 0
        rc, doc, _ = cli_json(['status'], env, expect=0)
        assert doc['runs'][0]['origin'] == 'cli', doc['runs']
        assert [p['id'] for p in doc['plan']] == [entry['id']], doc
        assert doc['plan'][0]['last_success'] == entry['last_success']
        rc, out, _ = cli(['status'], env, expect=0)
        assert 'started by cli' in out and 'Backup plan:' in out and 'My backup' in out, out

        # Again: nothing to copy.
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['copied'] == 0 and doc['skipped'] == distinct(media), doc

        # Removed by id: out of the plan, the photos stay.
        before = backup_files(dest)
        rc, out, _ = cli(['destinations', 'remove', entry['id']], env, expect=0)
        assert 'Removed' in out and dest in out, out
        assert plan(env) == []
        assert backup_files(dest) == before
        rc, doc, err = cli_json(['backup'], env, expect=EXIT['usage'])
        assert 'keepsake-cli destinations add' in doc['error']['message'], doc


def test_enable_disable(tmp):
    media = os.path.join(tmp, 'phone')
    a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'b')
    make_sample_library(media, 6, seed=32)
    os.mkdir(a)
    os.mkdir(b)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        cli(['destinations', 'add', a], env, expect=0)
        rc, doc, _ = cli_json(['destinations', 'add', b], env, expect=0)
        b_id = doc['destination']['id']
        assert doc['destination']['name'] == 'b', doc

        # Disabled by path: left alone by the next backup.
        rc, doc, _ = cli_json(['destinations', 'disable', b], env, expect=0)
        assert doc['destination']['id'] == b_id and doc['destination']['enabled'] is False, doc
        assert [e['enabled'] for e in plan(env)] == [True, False]
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['copied'] == distinct(media) and doc['destination'] == a, doc
        check_complete(a, media)
        assert os.listdir(b) == []

        # Enabled by id: the next backup fills it, and copies nothing new to a.
        rc, doc, _ = cli_json(['destinations', 'enable', b_id], env, expect=0)
        assert doc['destination']['enabled'] is True, doc
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['destination'] is None and len(doc['destinations']) == 2, doc
        check_complete(a, media)
        check_complete(b, media)
        assert backup_files(a) == backup_files(b)

        # Every destination off is as good as none.
        cli(['destinations', 'disable', a], env, expect=0)
        cli(['destinations', 'disable', b_id], env, expect=0)
        rc, doc, _ = cli_json(['backup'], env, expect=EXIT['usage'])
        assert 'keepsake-cli destinations add' in doc['error']['message'], doc

        # An id that is not in the plan.
        rc, doc, _ = cli_json(['destinations', 'enable', 'no-such-id'], env, expect=EXIT['usage'])
        assert 'no-such-id' in doc['error']['message'], doc


def test_bad_targets(tmp):
    env = env_for(None, tmp)
    folder = os.path.join(tmp, 'photos')
    os.mkdir(folder)
    a_file = os.path.join(tmp, 'file.txt')
    with open(a_file, 'w') as f:
        f.write('not a folder')

    rc, doc, err = cli_json(['destinations', 'add', os.path.join(tmp, 'missing')], env, expect=EXIT['usage'])
    assert doc['error']['code'] == 'usage' and 'is not a folder' in doc['error']['message'], doc
    assert 'is not a folder' in err
    rc, doc, _ = cli_json(['destinations', 'add', a_file], env, expect=EXIT['usage'])
    assert 'is not a folder' in doc['error']['message'], doc
    cli(['destinations', 'add'], env, expect=EXIT['usage'])
    cli(['destinations', 'add', folder, folder], env, expect=EXIT['usage'])
    cli(['destinations', 'list', '--name', 'x'], env, expect=EXIT['usage'])
    cli(['destinations', 'add', folder, '--name', ''], env, expect=EXIT['usage'])
    cli(['destinations', 'frob'], env, expect=EXIT['usage'])
    assert plan(env) == []

    # The same folder twice (also written another way) is refused.
    cli(['destinations', 'add', folder], env, expect=0)
    rc, doc, _ = cli_json(['destinations', 'add', folder + '/./'], env, expect=EXIT['usage'])
    assert 'already in the backup plan' in doc['error']['message'], doc
    assert len(plan(env)) == 1
    cli(['destinations', 'remove', os.path.join(tmp, 'missing')], env, expect=EXIT['usage'])
    cli(['destinations', 'remove'], env, expect=EXIT['usage'])
    assert len(plan(env)) == 1


def test_empty_plan(tmp):
    """No phone and no usbmuxd here: the empty plan is reported first (exit 2, not 6), and
    listing an empty plan writes no catalog."""
    env = env_for(None, tmp, {'USBMUXD_SOCKET_ADDRESS': 'UNIX:' + os.path.join(tmp, 'no-usbmuxd')})
    assert plan(env) == []
    assert not os.path.exists(catalog_path(tmp))
    rc, out, err = cli(['backup'], env, expect=EXIT['usage'])
    assert 'keepsake-cli destinations add' in err, err
    rc, doc, _ = cli_json(['backup'], env, expect=EXIT['usage'])
    assert doc['command'] == 'backup' and doc['error']['code'] == 'usage', doc
    assert 'keepsake-cli destinations add' in doc['error']['message'], doc
    # With --to the plan is not needed: it goes on to look for the phone.
    cli(['backup', '--to', os.path.join(tmp, 'b')], env, expect=EXIT['usbmuxd-missing'])


def test_unavailable_destination(tmp):
    """A plan folder that is gone (its drive unplugged) is not made again and not skipped in
    silence: the others are filled, and the run exits 7 naming it."""
    media = os.path.join(tmp, 'phone')
    a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'drive', 'b')
    make_sample_library(media, 5, seed=33)
    os.mkdir(a)
    os.makedirs(b)
    env = env_for(None, tmp)
    cli(['destinations', 'add', a], env, expect=0)
    cli(['destinations', 'add', b], env, expect=0)
    os.rmdir(b)
    rc, doc, err = cli_json(['backup', '--source', os.path.join(media, 'DCIM')], env,
                            expect=EXIT['destination'])
    assert b in doc['error']['message'] or b in err, (doc, err)
    check_complete(a, media)
    assert not os.path.exists(b)


def derived_entries(dest):
    """[(original sha256, sha256, relative path)] of the index's derived (JPEG copy) lines,
    less those a "forget-derived <original>" line dropped (the last line for an original wins)."""
    out = {}
    with open(os.path.join(dest, '.keepsake', 'index'), 'rb') as f:
        for line in f.read().split(b'\n'):
            if line.startswith(b'derived '):
                _, original, h, _, rel = line.split(b' ', 4)
                out[original.decode()] = (original.decode(), h.decode(), rel)
            elif line.startswith(b'forget-derived '):
                out.pop(line.split(b' ')[1].decode(), None)
    return list(out.values())


def test_jpeg_copies(tmp):
    """destinations add --jpeg-copies: after a backup each HEIC in the folder has a JPEG in a
    JPEG/ sub-folder beside it, recorded in the index as derived from its original and never
    in the catalog as a copy; the next backup makes none; destinations set switches it off,
    and refuses bad values with exit 2."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'Backups')
    make_sample_library(media, 12, seed=35)
    os.makedirs(dest)
    env = env_for(None, tmp)
    source = os.path.join(media, 'DCIM')

    rc, doc, _ = cli_json(['destinations', 'add', dest, '--jpeg-copies'], env, expect=0)
    assert doc['jpeg_copies'] == {'enabled': True, 'placement': 'subfolder', 'quality': 92}, doc
    dest_id = doc['destination']['id']

    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    heics = {h: rel for h, rel in index_entries(dest).items() if rel.lower().endswith(b'.heic')}
    assert len(heics) > 0
    assert doc['jpeg_copies']['made'] == len(heics) and doc['jpeg_copies']['failed'] == 0, doc
    check_complete(dest, media)

    derived = derived_entries(dest)
    assert sorted(d[0] for d in derived) == sorted(heics), (derived, heics)
    for original, h, rel in derived:
        folder, name = os.path.split(rel)
        heic_folder, heic_name = os.path.split(heics[original])
        assert folder == os.path.join(heic_folder, b'JPEG'), (rel, heics[original])
        assert os.path.splitext(name)[0] == os.path.splitext(heic_name)[0], (rel, heics[original])
        path = os.path.join(os.fsencode(dest), rel)
        assert sha256(path) == h
        with open(path, 'rb') as f:
            assert f.read(2) == b'\xff\xd8', rel
    # The JPEGs are no copies: the catalog has only what came from the phone.
    con = sqlite3.connect(catalog_path(tmp))
    try:
        copied = {r[0] for r in con.execute('SELECT hash FROM copies')}
    finally:
        con.close()
    assert not copied & {d[1] for d in derived}
    assert copied <= set(media_files(media).values())

    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    assert doc['jpeg_copies']['made'] == 0 and doc['jpeg_copies']['present'] == len(heics), doc
    rc, out, _ = cli(['backup', '--source', source], env, expect=0)
    assert 'Made 0 JPEG copies of HEIC photos; 0 failed' in out, out

    rc, doc, _ = cli_json(['destinations', 'set', dest_id, '--jpeg-copies', 'off'], env, expect=0)
    assert doc['action'] == 'set' and doc['jpeg_copies']['enabled'] is False, doc
    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    assert 'jpeg_copies' not in doc, doc
    rc, doc, _ = cli_json(['destinations', 'set', dest, '--jpeg-copies', 'on', '--jpeg-placement', 'beside',
                           '--jpeg-quality', '80'], env, expect=0)
    assert doc['jpeg_copies'] == {'enabled': True, 'placement': 'beside', 'quality': 80}, doc

    for bad in (['set', dest_id, '--jpeg-copies', 'maybe'], ['set', dest_id],
                ['set', dest_id, '--jpeg-quality', '0'], ['set', dest_id, '--jpeg-placement', 'above'],
                ['enable', dest_id, '--jpeg-copies'], ['set', 'nowhere', '--jpeg-copies', 'on']):
        rc, out, err = cli(['destinations'] + bad, env, expect=EXIT['usage'])
        assert err.strip(), bad
    rc, doc, _ = cli_json(['destinations', 'set', dest_id, '--jpeg-quality', '75'], env, expect=0)
    assert doc['jpeg_copies'] == {'enabled': True, 'placement': 'beside', 'quality': 75}, doc
def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


def test_verify_jpeg_copies(tmp):
    """verify re-reads the JPEG copies too: a flipped byte in one is reported by its name as a
    damaged JPEG copy (exit 10), not as a damaged photo; verify alone changes nothing, and
    --repair forgets it, so the next backup makes it again (beside the damaged file, which
    stays); then verify is clean."""
    media, dest = os.path.join(tmp, 'phone'), os.path.join(tmp, 'Backups')
    make_sample_library(media, 10, seed=41)
    os.makedirs(dest)
    env = env_for(None, tmp)
    source = os.path.join(media, 'DCIM')
    cli_json(['destinations', 'add', dest, '--jpeg-copies'], env, expect=0)
    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    derived = derived_entries(dest)
    n_copies = len(index_entries(dest))
    assert len(derived) > 0 and doc['jpeg_copies']['made'] == len(derived), doc

    rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=0)
    assert doc['checked'] == n_copies + len(derived) and doc['ok'] == doc['checked'], doc
    assert doc['jpeg_copies_checked'] == len(derived), doc
    assert doc['damaged_jpeg_copies'] == [] and doc['missing_jpeg_copies'] == [], doc

    original, victim_hash, victim = sorted(derived)[0]
    path = os.path.join(os.fsencode(dest), victim)
    with open(path, 'r+b') as f:
        f.seek(os.path.getsize(path) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0x40]))
    damaged_bytes = open(path, 'rb').read()

    rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=EXIT['damaged'])
    assert [d.encode() for d in doc['damaged_jpeg_copies']] == [victim], doc
    assert doc['damaged'] == [] and doc['missing'] == [] and doc['missing_jpeg_copies'] == [], doc
    assert doc['ok'] == doc['checked'] - 1 and doc['forgotten'] == 0, doc
    rc, out, _ = cli(['verify', '--to', dest], env, expect=EXIT['damaged'])
    line = [l for l in out.splitlines() if l.startswith('DAMAGED')]
    assert len(line) == 1 and os.fsdecode(victim) in line[0] and '(JPEG copy)' in line[0], out
    # Reporting changed nothing: the next backup still finds its JPEG copy "present".
    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    assert doc['jpeg_copies']['made'] == 0, doc

    rc, doc, _ = cli_json(['verify', '--to', dest, '--repair'], env, expect=EXIT['damaged'])
    assert [d.encode() for d in doc['damaged_jpeg_copies']] == [victim] and doc['forgotten'] == 1, doc
    assert original not in {d[0] for d in derived_entries(dest)}
    # The photo itself is still a copy in the index, untouched.
    assert original in index_entries(dest)

    rc, doc, _ = cli_json(['backup', '--source', source], env, expect=0)
    assert doc['jpeg_copies']['made'] == 1 and doc['jpeg_copies']['failed'] == 0, doc
    remade = {d[0]: d for d in derived_entries(dest)}[original]
    assert remade[2] != victim and sha256(os.path.join(os.fsencode(dest), remade[2])) == remade[1]
    assert open(path, 'rb').read() == damaged_bytes, 'the damaged file is left where it was'
    rc, doc, _ = cli_json(['verify', '--to', dest], env, expect=0)
    assert doc['jpeg_copies_checked'] == len(derived) and doc['ok'] == doc['checked'], doc


def test_drive(tmp):
    """A folder on an external drive (an ext4 image on a loop device) is added as a drive,
    filled, and found again when the drive is mounted somewhere else; unplugged, a backup says
    it is not connected."""
    if os.geteuid() != 0:
        raise Skip('needs root for loop devices and mounts')
    image = os.path.join(tmp, 'drive.img')
    with open(image, 'wb') as f:
        f.truncate(64 << 20)
    made = run('mkfs.ext4', '-q', '-F', '-L', 'PASSPORT', image)
    if made.returncode != 0:
        raise Skip('mkfs.ext4: ' + made.stderr.strip())
    attached = run('losetup', '--find', '--show', image)
    if attached.returncode != 0:
        raise Skip('no loop device: ' + attached.stderr.strip())
    loop = attached.stdout.strip()
    mnt_a, mnt_b = os.path.join(tmp, 'media', 'Passport'), os.path.join(tmp, 'mnt', 'other')
    mounted = None
    try:
        for where in (mnt_a, mnt_b):
            os.makedirs(where)
        assert run('mount', loop, mnt_a).returncode == 0
        mounted = mnt_a
        os.mkdir(os.path.join(mnt_a, 'Photos'))
        media = os.path.join(tmp, 'phone')
        make_sample_library(media, 6, seed=41)
        env = env_for(None, tmp)

        rc, doc, _ = cli_json(['destinations', 'add', os.path.join(mnt_a, 'Photos')], env, expect=0)
        added = doc['destination']
        assert added['kind'] == 'drive' and added['name'] == 'Photos', added
        assert added['location'].startswith('drive:') and added['location'].endswith('/Photos'), added

        source = ['backup', '--source', os.path.join(media, 'DCIM')]
        rc, doc, _ = cli_json(source, env, expect=0)
        assert doc['copied'] == distinct(media) and doc['failed'] == 0, doc
        check_complete(os.path.join(mnt_a, 'Photos'), media)

        entry = plan(env)[0]
        assert entry['connected'] is True and entry['path'] == os.path.join(mnt_a, 'Photos'), entry

        assert run('umount', mnt_a).returncode == 0
        mounted = None
        entry = plan(env)[0]
        assert entry['connected'] is False and entry['path'] is None, entry
        rc, out, _ = cli(['destinations', 'list'], env, expect=0)
        assert 'not connected' in out, out
        rc, doc, err = cli_json(source, env, expect=EXIT['destination'])
        assert 'not connected' in (doc['error']['message'] + err), (doc, err)

        assert run('mount', loop, mnt_b).returncode == 0
        mounted = mnt_b
        rc, doc, _ = cli_json(source, env, expect=0)
        assert doc['copied'] == 0 and doc['failed'] == 0, doc
        check_complete(os.path.join(mnt_b, 'Photos'), media)
        entry = plan(env)[0]
        assert entry['location'] == added['location'] and entry['path'] == os.path.join(mnt_b, 'Photos'), entry

        # Named by a folder on it where it is mounted now.
        rc, doc, _ = cli_json(['destinations', 'disable', os.path.join(mnt_b, 'Photos')], env, expect=0)
        assert doc['destination']['id'] == added['id'] and doc['destination']['enabled'] is False, doc
    finally:
        if mounted:
            run('umount', '-l', mounted)
        run('losetup', '-d', loop)


run_tests([
    ('destinations add (relative), list, backup without --to fills it, remove', test_add_list_backup_remove),
    ('disabled destinations are left alone; enable by id, disable by path', test_enable_disable),
    ('bad targets: missing, a file, twice, wrong arguments: exit 2', test_bad_targets),
    ('backup with an empty plan: the sentence naming destinations add, exit 2', test_empty_plan),
    ('a plan folder that is gone: the others filled, exit 7', test_unavailable_destination),
    ('JPEG copies: add --jpeg-copies, made once, derived in the index, set on/off', test_jpeg_copies),
    ('verify checks the JPEG copies; --repair lets the next backup make a damaged one again',
     test_verify_jpeg_copies),
    ('a folder on a drive is added as a drive and found again mounted elsewhere', test_drive),
])
