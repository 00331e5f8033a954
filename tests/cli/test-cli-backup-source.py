# test-cli-backup-source.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli list/backup --source on a device backup that Debian's unmodified idevicebackup2
made of the emulated iPhone: exactly the phone's DCIM files are listed, grouped as on the phone;
the photos exported from the backup are the phone's byte for byte and under the same names as a
backup from the phone itself; a second run copies nothing; nothing is ever written into the
backup folder. Damaged and hostile backups: a corrupt Manifest.db, a missing or linked data file,
hostile relativePaths (../, absolute, NUL) and fileIDs give clear errors and write nothing
outside the destination. An encrypted backup (the emulator's --backup-password, iOS's format)
opens with the right password and refuses a wrong one."""

import hashlib
import os
import plistlib
import shutil
import sqlite3
import subprocess

from clitest import (EXIT, Emulator, backup_files, check_complete, cli, cli_json, env_for,
                     make_sample_library, media_files, run_tests, temp_files)

N_ASSETS = 24


def tree_state(root):
    """{relative path: (kind, size, mtime_ns, sha256 or link target)} of everything under root."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ('link', os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ('dir',)
            else:
                with open(p, 'rb') as f:
                    out[rel] = ('file', st.st_size, st.st_mtime_ns, hashlib.sha256(f.read()).hexdigest())
    return out


def make_backup(tmp, count=N_ASSETS, seed=31, password=None):
    """A phone library and its full backup by idevicebackup2; returns (media, backup dir, udid)."""
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, count, seed=seed)
    out = os.path.join(tmp, 'idevicebackup2')
    os.makedirs(out)
    extra = ['--backup-password', password] if password else []
    with Emulator(['--device', media, '--name', 'Test iPhone'] + extra) as emu:
        udid = emu.udid()
        r = subprocess.run(['idevicebackup2', 'backup', '--full', out], env=emu.env(),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and 'Backup Successful.' in r.stdout, r.stdout + r.stderr
    return media, os.path.join(out, udid), udid


def file_id(rel):
    return hashlib.sha1(('CameraRollDomain-' + rel).encode()).hexdigest()


def test_list_and_export_match_the_phone(tmp):
    media, bdir, udid = make_backup(tmp)
    before = tree_state(os.path.dirname(bdir))
    env = env_for(None, tmp)
    phone = media_files(media)

    # Exactly the phone's DCIM files, paths relative to DCIM as the phone lists them.
    rc, doc, _ = cli_json(['list', '--source', bdir], env, expect=0)
    listed = {f['path'].encode(): f['size'] for f in doc['files']}
    sizes = {rel: os.path.getsize(os.path.join(media.encode(), b'DCIM', rel)) for rel in phone}
    assert listed == sizes, (sorted(set(listed) ^ set(sizes))[:5])
    assert doc['source'] == 'backup:' + bdir, doc['source']
    # The folder holding <UDID> (MobileSync/Backup, idevicebackup2's target) works too.
    rc, doc2, _ = cli_json(['list', '--source', os.path.dirname(bdir)], env, expect=0)
    assert doc2['files'] == doc['files']
    rc, text, _ = cli(['list', '--source', bdir], env, expect=0)
    assert '%d files' % len(phone) in text, text

    # Exported: the phone's bytes, grouped into the phone's assets.
    dest = os.path.join(tmp, 'from-backup')
    rc, doc, _ = cli_json(['backup', '--source', bdir, '--to', dest], env, expect=0)
    distinct = len(set(phone.values()))
    assert doc['copied'] == distinct and doc['failed'] == 0, doc
    assert doc['photos_copied'] + doc['videos_copied'] == N_ASSETS, doc
    check_complete(dest, media)
    assert sorted(backup_files(dest).values()) == sorted(set(phone.values()))

    # Second run: nothing again.
    rc, doc, _ = cli_json(['backup', '--source', bdir, '--to', dest], env, expect=0)
    assert doc['copied'] == 0 and doc['skipped'] == distinct, doc

    # The same names and bytes as a backup made from the phone itself.
    dest_phone = os.path.join(tmp, 'from-phone')
    with Emulator(['--device', media, '--name', 'Test iPhone']) as emu:
        cli(['backup', '--to', dest_phone], env_for(emu, tmp), expect=0)
    assert backup_files(dest_phone) == backup_files(dest)

    # Nothing was ever written into the backup folder (no journal, -wal, -shm, nothing).
    assert tree_state(os.path.dirname(bdir)) == before


def test_hostile_rows_and_files(tmp):
    media, bdir, udid = make_backup(tmp, count=8, seed=32)
    env = env_for(None, tmp)
    db = sqlite3.connect(os.path.join(bdir, 'Manifest.db'))
    rows = db.execute("SELECT fileID, relativePath, file FROM Files WHERE flags = 1 "
                      "AND relativePath LIKE 'Media/DCIM/%' ORDER BY relativePath").fetchall()
    assert len(rows) >= 4, rows
    some_id, _, some_blob = rows[0]

    # A data file made a link to a file outside; another one deleted.
    outside = os.path.join(tmp, 'secret.txt')
    with open(outside, 'wb') as f:
        f.write(b'not a photo\n')
    linked_id, linked_rel = rows[1][0], rows[1][1]
    os.unlink(os.path.join(bdir, linked_id[:2], linked_id))
    os.symlink(outside, os.path.join(bdir, linked_id[:2], linked_id))
    missing_id, missing_rel = rows[2][0], rows[2][1]
    os.unlink(os.path.join(bdir, missing_id[:2], missing_id))
    # The data folder of another one made a link to a folder outside.
    hostile = [
        ('Media/DCIM/../../../../escape.JPG', file_id('x1')),
        ('/Media/DCIM/100APPLE/ABSOLUTE.JPG', file_id('x2')),
        ('Media/DCIM/100APPLE/NUL\x00/../../n.JPG', file_id('x3')),
        ('Media/DCIM/100APPLE/BADID.JPG', '../../../../../etc/passwd'),
        ('Media/DCIM//100APPLE/EMPTY.JPG', file_id('x4')),
    ]
    for rel, fid in hostile:
        db.execute("INSERT INTO Files (fileID, domain, relativePath, flags, file) "
                   "VALUES (?, 'CameraRollDomain', ?, 1, ?)", (fid, rel, some_blob))
        if '/' not in fid:
            # Each hostile row points at real bytes: only the name is wrong.
            os.makedirs(os.path.join(bdir, fid[:2]), exist_ok=True)
            shutil.copy(os.path.join(bdir, some_id[:2], some_id), os.path.join(bdir, fid[:2], fid))
    db.commit()
    db.close()
    before_backup = tree_state(bdir)
    before_tmp = set(os.listdir(tmp))

    # Every row is listed: nothing is skipped silently.
    rc, doc, _ = cli_json(['list', '--source', bdir], env, expect=0)
    paths = {f['path'] for f in doc['files']}
    assert linked_rel[len('Media/DCIM/'):] in paths and missing_rel[len('Media/DCIM/'):] in paths
    assert '../../../../escape.JPG' in paths and '100APPLE/BADID.JPG' in paths, paths

    dest = os.path.join(tmp, 'dest')
    rc, doc, _ = cli_json(['backup', '--source', bdir, '--to', dest], env, expect=EXIT['some-failed'])
    errors = {e['path']: e['message'] for e in doc['errors']}
    assert 'symbolic link' in errors.get(linked_rel[len('Media/DCIM/'):], ''), errors
    assert 'missing' in errors.get(missing_rel[len('Media/DCIM/'):], ''), errors
    assert 'unsafe name' in errors.get('../../../../escape.JPG', ''), errors
    assert 'unsafe name' in errors.get('100APPLE/ABSOLUTE.JPG', ''), errors
    assert 'unsafe name' in errors.get('/100APPLE/EMPTY.JPG', ''), errors
    assert any(p.startswith('100APPLE/NUL') and 'unsafe name' in m for p, m in errors.items()), errors
    assert 'invalid data file name' in errors.get('100APPLE/BADID.JPG', ''), errors
    assert doc['copied'] > 0, doc
    # The rest is exported; nothing of the secret, nothing outside the destination.
    for h in backup_files(dest).values():
        assert h != hashlib.sha256(b'not a photo\n').hexdigest()
    assert temp_files(dest) == []
    # Only the destination and the catalog's folder are new.
    assert set(os.listdir(tmp)) - before_tmp <= {'dest', 'data', 'cache'}, set(os.listdir(tmp)) - before_tmp
    assert not os.path.exists(os.path.join(os.path.dirname(tmp), 'escape.JPG'))
    assert tree_state(bdir) == before_backup


def test_damaged_manifest(tmp):
    media, bdir, udid = make_backup(tmp, count=4, seed=33)
    env = env_for(None, tmp)
    db_path = os.path.join(bdir, 'Manifest.db')
    with open(db_path, 'rb') as f:
        good = f.read()
    damages = {
        'garbage': os.urandom(len(good)),
        'truncated': good[:len(good) // 3],
        'header only': good[:100],
        'torn pages': good[:4096] + bytes(len(good) - 4096),
    }
    other = os.path.join(tmp, 'other.db')
    con = sqlite3.connect(other)
    con.execute('CREATE TABLE Something (a, b)')
    con.commit()
    con.close()
    with open(other, 'rb') as f:
        damages['no Files table'] = f.read()
    dest = os.path.join(tmp, 'dest')
    for what, data in damages.items():
        with open(db_path, 'wb') as f:
            f.write(data)
        before = tree_state(bdir)
        for args in (['list', '--source', bdir], ['backup', '--source', bdir, '--to', dest]):
            rc, doc, _ = cli_json(args, env)
            assert rc == EXIT['damaged'], (what, args, rc, doc)
            assert 'Manifest.db is damaged' in doc['error']['message'], (what, doc)
        assert tree_state(bdir) == before, what
        assert backup_files(dest) == {} if os.path.exists(dest) else True

    # A Manifest.db that is a link: not followed.
    os.unlink(db_path)
    with open(other + '.real', 'wb') as f:
        f.write(good)
    os.symlink(other + '.real', db_path)
    rc, doc, _ = cli_json(['list', '--source', bdir], env)
    assert rc != 0, doc

    # Backups of two devices side by side: which one is meant is asked for.
    two = os.path.join(tmp, 'two')
    for name in ('A', 'B'):
        shutil.copytree(bdir, os.path.join(two, name))
        with open(os.path.join(two, name, 'Manifest.db'), 'wb') as f:
            f.write(good)
        info_path = os.path.join(two, name, 'Info.plist')
        with open(info_path, 'rb') as f:
            info = plistlib.load(f)
        info['Unique Identifier'] = 'UDID-' + name
        with open(info_path, 'wb') as f:
            plistlib.dump(info, f)
    rc, doc, _ = cli_json(['list', '--source', two], env, expect=EXIT['usage'])
    assert 'several devices' in doc['error']['message'], doc
    rc, doc, _ = cli_json(['list', '--source', os.path.join(two, 'B')], env, expect=0)
    assert len(doc['files']) == len(media_files(media)), doc

    # Not a backup at all, and a folder of photos stays a folder of photos.
    rc, doc, _ = cli_json(['list', '--source', os.path.join(media, 'DCIM')], env, expect=0)
    assert doc['source'].startswith('folder:'), doc
    rc, doc, _ = cli_json(['list', '--source', os.path.join(media, 'DCIM'), '--password-file', db_path], env,
                          expect=EXIT['usage'])


def decrypt_like_published_tools(bdir, password):
    """Manifest.db of an encrypted backup, decrypted as iphone_backup_decrypt and the
    iphone-dataprotection code describe it (independent of keepsake-cli): keybag TLV, PBKDF2
    SHA-256 then SHA-1, RFC 3394 unwrap, ManifestKey's class little-endian, AES-CBC with a zero
    IV. Returns (sqlite3 connection, function decrypting one file's bytes)."""
    import plistlib
    import struct
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

    with open(os.path.join(bdir, 'Manifest.plist'), 'rb') as f:
        manifest = plistlib.load(f)
    assert manifest['IsEncrypted'] is True
    blob, attrs, classes, current, first_uuid = manifest['BackupKeyBag'], {}, {}, None, True
    i = 0
    while i + 8 <= len(blob):
        tag, length = blob[i:i + 4], struct.unpack('>L', blob[i + 4:i + 8])[0]
        value = blob[i + 8:i + 8 + length]
        i += 8 + length
        if tag == b'UUID':
            if first_uuid:
                first_uuid = False
                continue
            current = {}
            classes[len(classes)] = current
        elif current is not None:
            current[tag] = value
        else:
            attrs[tag] = value
    u32 = lambda b: struct.unpack('>L', b)[0]  # noqa: E731
    first = hashlib.pbkdf2_hmac('sha256', password.encode(), attrs[b'DPSL'], u32(attrs[b'DPIC']), 32)
    kek = hashlib.pbkdf2_hmac('sha1', first, attrs[b'SALT'], u32(attrs[b'ITER']), 32)
    class_keys = {u32(c[b'CLAS']): aes_key_unwrap(kek, c[b'WPKY']) for c in classes.values()
                  if u32(c[b'WRAP']) & 2}

    def decrypt(data, key):
        d = Cipher(algorithms.AES(key), modes.CBC(b'\0' * 16)).decryptor()
        plain = d.update(data) + d.finalize()
        return plain[:-plain[-1]]

    mk = manifest['ManifestKey']
    db_key = aes_key_unwrap(class_keys[struct.unpack('<l', mk[:4])[0]], mk[4:])
    with open(os.path.join(bdir, 'Manifest.db'), 'rb') as f:
        plain_db = decrypt(f.read(), db_key)
    path = os.path.join(os.path.dirname(bdir), 'decrypted-manifest.db')
    with open(path, 'wb') as f:
        f.write(plain_db)

    def decrypt_file(file_id, mbfile_blob):
        archive = plistlib.loads(mbfile_blob)
        objects = archive['$objects']
        mbfile = objects[archive['$top']['root'].data]
        wrapped = objects[mbfile['EncryptionKey'].data]['NS.data'][4:]
        key = aes_key_unwrap(class_keys[mbfile['ProtectionClass']], wrapped)
        with open(os.path.join(bdir, file_id[:2], file_id), 'rb') as f:
            plain = decrypt(f.read(), key)
        assert len(plain) == mbfile['Size']
        return plain

    return sqlite3.connect(path), decrypt_file


def test_encrypted_backup(tmp):
    password = 'correct horse battery staple'
    media, bdir, udid = make_backup(tmp, count=10, seed=34, password=password)
    env = env_for(None, tmp)
    phone = media_files(media)
    # The emulator wrote the real format: Manifest.db is not readable without the password.
    with open(os.path.join(bdir, 'Manifest.db'), 'rb') as f:
        assert not f.read(16).startswith(b'SQLite format 3')
    # ... the format the published tools read: they find every photo, byte for byte.
    db, decrypt_file = decrypt_like_published_tools(bdir, password)
    rows = db.execute("SELECT fileID, relativePath, file FROM Files WHERE domain = 'CameraRollDomain' "
                      "AND flags = 1 AND relativePath LIKE 'Media/DCIM/%'").fetchall()
    db.close()
    assert len(rows) == len(phone), (len(rows), len(phone))
    for fid, rel, blob in rows:
        data = decrypt_file(fid, blob)
        assert hashlib.sha256(data).hexdigest() == phone[rel[len('Media/DCIM/'):].encode()], rel
    before = tree_state(bdir)
    right, wrong = os.path.join(tmp, 'right'), os.path.join(tmp, 'wrong')
    with open(right, 'w') as f:
        f.write(password + '\n')
    with open(wrong, 'w') as f:
        f.write('Correct horse battery staple\n')

    rc, doc, _ = cli_json(['list', '--source', bdir], env, expect=EXIT['usage'])
    assert 'encrypted' in doc['error']['message'] and 'password' in doc['error']['message'], doc
    dest = os.path.join(tmp, 'dest')
    for args in (['list', '--source', bdir], ['backup', '--source', bdir, '--to', dest]):
        rc, doc, _ = cli_json(args + ['--password-file', wrong], env, expect=EXIT['usage'])
        assert 'password is wrong' in doc['error']['message'], doc
    assert backup_files(dest) == {} if os.path.exists(dest) else True

    rc, doc, _ = cli_json(['list', '--source', bdir, '--password-file', right], env, expect=0)
    listed = {f['path'].encode(): f['size'] for f in doc['files']}
    sizes = {rel: os.path.getsize(os.path.join(media.encode(), b'DCIM', rel)) for rel in phone}
    assert listed == sizes, sorted(set(listed) ^ set(sizes))[:5]

    rc, doc, _ = cli_json(['backup', '--source', bdir, '--to', dest, '--password-file', right], env, expect=0)
    assert doc['copied'] == len(set(phone.values())) and doc['failed'] == 0, doc
    check_complete(dest, media)
    assert sorted(backup_files(dest).values()) == sorted(set(phone.values()))
    assert tree_state(bdir) == before


if __name__ == '__main__':
    run_tests([
        ('list and export match the phone', test_list_and_export_match_the_phone),
        ('hostile rows and files', test_hostile_rows_and_files),
        ('damaged Manifest.db', test_damaged_manifest),
        ('encrypted backup', test_encrypted_backup),
    ])
