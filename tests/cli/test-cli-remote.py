# test-cli-remote.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli with network destinations, against real servers started on 127.0.0.1 (argv[2]
names which: sftp, webdav or smb; see servers.py). Each case reads what landed with the
server's own view — the files on disk in the folder it serves:

- destinations add tests the connection; a backup lands byte for byte, a second one uploads
  nothing, and the password is in no argv, output, catalog or file Keepsake wrote;
- the server killed mid-upload: a clear error, nothing half-written counts, and the next run
  uploads only the rest;
- a wrong password, a full disk on the server: a clear error;
- a byte flipped on the server: verify names the file."""

import os
import subprocess
import sys
import threading
import time

from clitest import (EXIT, TMP_MARK, backup_files, catalog_path, check_complete, check_integrity, cli, cli_json,
                     env_for, index_entries, media_files, run_tests, temp_files)
from servers import SERVERS

KIND = None


def error_text(doc):
    """Everything a failed run or command said, in one string."""
    error = doc.get('error') or {}
    parts = [error.get('message', '') if isinstance(error, dict) else str(error)]
    parts += [e.get('message', '') for e in doc.get('errors', [])]
    return ' '.join(parts)


def named_files(root):
    """Files under their real names (not the hidden temporaries of Keepsake or the server).
    Only names: it runs while the server writes, and a server's temporary (Apache's
    .davfs.tmp…) may vanish between listing and reading."""
    out = []
    top = os.fsencode(root)
    for d, dirs, files in os.walk(top):
        if d == top and b'.keepsake' in dirs:
            dirs.remove(b'.keepsake')
        out += [os.path.relpath(os.path.join(d, f), top) for f in files
                if not f.startswith(b'.') and TMP_MARK.encode() not in f]
    return out


def make_source(tmp, count, size, seed=0):
    """A folder of DCIM files with random bytes: what the phone would hold."""
    media = os.path.join(tmp, 'phone')
    folder = os.path.join(media, 'DCIM', '100APPLE')
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        with open(os.path.join(folder, 'IMG_%04d.JPG' % (seed * 1000 + i)), 'wb') as f:
            f.write(os.urandom(size + i))
    return media


def backup(media, env, expect=None, timeout=120):
    return cli_json(['backup', '--source', os.path.join(media, 'DCIM')], env,
                    expect=expect, timeout=timeout)


def add(server, env, expect=0, trust=True, **kw):
    args = ['destinations', 'add', server.location()]
    if trust:
        args += server.trust_args()
    if kw.get('identity_file'):
        args += ['--identity-file', kw['identity_file']]
    else:
        args += ['--password-file', kw.get('password_file', server.password_file)]
    return cli_json(args, env, expect=expect, timeout=90)


def plan_location(env):
    rc, doc, _ = cli_json(['destinations', 'list'], env, expect=0)
    assert len(doc['destinations']) == 1, doc
    return doc['destinations'][0]['location']


def files_containing(top, needle):
    found = []
    for d, _, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            try:
                with open(p, 'rb') as fh:
                    if needle in fh.read():
                        found.append(p)
            except OSError:
                pass
    return found


def rclone_cmdlines(parent):
    """argv of the rclone processes below @parent."""
    from servers import descendants
    out = []
    for pid in descendants(parent):
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b'rclone':
            out.append(b' '.join(argv))
    return out


def test_backup_twice_no_secret_leaks(tmp):
    media = make_source(tmp, 12, 200000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        rc, doc, err = add(server, env)
        dest = doc['destination']
        assert dest['kind'] == 'network', doc
        assert doc['verified_by'] == ('md5' if KIND == 'sftp' else 'download'), doc
        assert os.path.isfile(os.path.join(server.root, '.keepsake', 'id'))

        # The first backup, watched: rclone's argv never holds the password.
        p = subprocess.Popen([sys.argv[1], 'backup', '--source', os.path.join(media, 'DCIM'), '--json'],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = []
        while p.poll() is None:
            seen += rclone_cmdlines(p.pid)
            time.sleep(0.05)
        out, err2 = p.communicate()
        assert p.returncode == 0, (out, err2, server.log())
        assert seen, 'no rclone process was seen'
        password = server.password.encode()
        assert not [c for c in seen if password in c], seen
        assert b'keepsake-tmp' not in out

        assert sorted(backup_files(server.root).values()) == sorted(media_files(media).values())
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)
        assert len(index_entries(server.root)) == 12

        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 0 and doc['skipped'] == 12, doc

        # The password is in no file Keepsake keeps (catalog, cache) and in no output.
        for top in (os.path.join(tmp, 'data'), os.path.join(tmp, 'cache')):
            assert files_containing(top, password) == [], files_containing(top, password)
        for text in (out, err2, err.encode()):
            assert password not in text


def test_identity_file(tmp):
    media = make_source(tmp, 3, 50000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        add(server, env, identity_file=server.identity_file)
        assert 'identity-file=' in plan_location(env)
        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 3, doc
        check_complete(server.root, media)


def known_hosts(tmp):
    path = os.path.join(os.path.dirname(catalog_path(tmp)), 'known_hosts')
    if not os.path.exists(path):
        return ''
    with open(path) as f:
        return f.read()


def test_host_key_must_be_trusted(tmp):
    """As ssh: a new server's key is shown and must be trusted; a wrong one is refused."""
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        fingerprint = server.fingerprint()
        rc, doc, _ = add(server, env, expect=EXIT['destination'], trust=False)
        assert fingerprint in error_text(doc) and '--trust-host-key' in error_text(doc), doc
        assert known_hosts(tmp) == '', known_hosts(tmp)
        assert os.path.isdir(os.path.dirname(catalog_path(tmp)))

        wrong = 'SHA256:' + 'A' * 43
        rc, doc, _ = cli_json(['destinations', 'add', server.location(), '--password-file',
                               server.password_file, '--trust-host-key', wrong],
                              env, expect=EXIT['destination'])
        assert 'refuses to connect' in error_text(doc), doc
        rc, doc, _ = cli_json(['destinations', 'list'], env, expect=0)
        assert doc['destinations'] == [], doc

        # A "yes" on a terminal trusts it (the question shows the fingerprint first).
        master, slave = os.openpty()
        p = subprocess.Popen([sys.argv[1], 'destinations', 'add', server.location(),
                              '--password-file', server.password_file],
                             env=env, stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        seen = b''
        deadline = time.monotonic() + 60
        while b'yes or no' not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
        assert fingerprint.encode() in seen, seen
        os.write(master, b'yes\n')
        try:
            while os.read(master, 4096):
                pass
        except OSError:
            pass
        assert p.wait(timeout=90) == 0, p.stderr.read()
        os.close(master)
        with open(server.host_key + '.pub') as f:
            key = f.read().split()[1]
        assert ('[127.0.0.1]:%d ssh-ed25519 %s\n' % (server.port, key)) == known_hosts(tmp)


def test_host_key_changed(tmp):
    media = make_source(tmp, 3, 50000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        add(server, env)
        trusted = known_hosts(tmp)
        assert server.fingerprint() and ' ssh-ed25519 ' in trusted, trusted
        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 3, doc

        server.kill()
        server.new_host_key()
        server.restart()
        more = make_source(tmp, 5, 50000, seed=1)
        rc, doc, _ = backup(more, env)
        assert rc != 0, doc
        assert 'not the one you trusted' in error_text(doc), doc
        assert len(backup_files(server.root)) == 3
        assert known_hosts(tmp) == trusted

        # Adding it again says it changed and does not trust it without the new fingerprint.
        rc, doc, _ = add(server, env, expect=EXIT['destination'], trust=False)
        assert 'has changed' in error_text(doc) and server.fingerprint() in error_text(doc), doc
        assert known_hosts(tmp) == trusted

        # Trusting the new key on purpose: the same destination works again.
        rc, doc, _ = add(server, env, expect=0)
        assert doc['action'] == 'trust-host-key', doc
        assert known_hosts(tmp) != trusted
        rc, doc, _ = backup(more, env, expect=0)
        assert doc['copied'] == 5, doc
        assert len(backup_files(server.root)) == 8


def test_wrong_password(tmp):
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        wrong = os.path.join(tmp, 'wrong')
        with open(wrong, 'w') as f:
            f.write('not-the-password\n')
        rc, doc, _ = add(server, env, expect=EXIT['destination'], password_file=wrong)
        assert 'did not accept the user name, password or key' in error_text(doc), doc
        assert 'not-the-password' not in error_text(doc)
        rc, doc, _ = cli_json(['destinations', 'list'], env, expect=0)
        assert doc['destinations'] == [], doc


def test_killed_mid_upload(tmp):
    media = make_source(tmp, 30, 400000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        add(server, env)

        def kill_when_started():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if len(named_files(server.root)) >= 3:
                    server.kill()
                    return
                time.sleep(0.005)
        killer = threading.Thread(target=kill_when_started)
        killer.start()
        rc, doc, err = backup(media, env)
        killer.join()
        assert server.proc is None, 'the backup ended before the server could be killed'
        assert rc != 0, doc
        assert 'cannot be reached' in error_text(doc), doc
        server.remove_own_temporaries()
        done = len(backup_files(server.root))
        assert 3 <= done < 30, done
        # Whatever is there and claimed is whole; a temporary may remain on the server.
        check_integrity(server.root, tmp, media, killed=True)

        server.restart()
        rc, doc, _ = backup(media, env, expect=0)
        claimed = len(index_entries(server.root))
        assert doc['copied'] == 30 - doc['skipped'], doc
        assert doc['skipped'] <= done and claimed == 30, (doc, done, claimed)
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)
        assert temp_files(server.root) == []


def test_disk_full(tmp):
    media = make_source(tmp, 6, 1000000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp, tmpfs_size='3m') as server:
        add(server, env)
        rc, doc, _ = backup(media, env)
        assert rc in (EXIT['no-space'], EXIT['some-failed'], EXIT['destination']), (rc, doc)
        assert 'space' in error_text(doc), doc
        print('# %s' % error_text(doc)[:300])
        check_integrity(server.root, tmp, media, killed=True)


def test_disk_fills_during_backup(tmp):
    """Room for everything when the run starts; then something else fills the server's disk."""
    media = make_source(tmp, 12, 500000)
    env = env_for(None, tmp)
    # The disk is filled whatever its size; its size only decides the room the second run
    # finds once the filler is gone. Files the first run named but could not record (the index
    # could not be written either) are not known to be there yet, so the second run's space
    # check counts all 6 MB again: with uploads side by side nearly all of them may be named
    # before the disk fills, and 16 MB left too little room for that once (5.9 MB free).
    with SERVERS[KIND](tmp, tmpfs_size='32m') as server:
        add(server, env)

        def fill_when_started():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if len(named_files(server.root)) >= 2:
                    with open(os.path.join(server.root, 'filler'), 'wb') as f:
                        try:
                            while True:
                                f.write(b'\0' * 65536)
                                f.flush()
                        except OSError:
                            pass
                    return
                time.sleep(0.005)
        filler = threading.Thread(target=fill_when_started)
        filler.start()
        rc, doc, _ = backup(media, env)
        filler.join()
        assert rc != 0, doc
        assert 'no space left' in error_text(doc), doc
        os.unlink(os.path.join(server.root, 'filler'))
        server.remove_own_temporaries()
        check_integrity(server.root, tmp, media, killed=True)

        rc, doc, _ = backup(media, env, expect=0)
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)


def test_verify_names_flipped_byte(tmp):
    media = make_source(tmp, 6, 100000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        add(server, env)
        backup(media, env, expect=0)
        location = plan_location(env)
        rc, doc, _ = cli_json(['verify', '--to', location], env, expect=0)
        assert doc['checked'] == 6 and doc['damaged'] == [], doc

        victim = sorted(backup_files(server.root))[2]
        path = os.path.join(os.fsencode(server.root), victim)
        with open(path, 'r+b') as f:
            f.seek(1000)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x01]))
        rc, doc, _ = cli_json(['verify', '--to', location], env, expect=EXIT['damaged'])
        assert [d.encode() for d in doc['damaged']] == [victim], doc
        assert doc['ok'] == 5, doc


def test_free_names_without_listing(tmp):
    """Whether a photo's name is free is asked of that name alone: the folder it goes to is
    not listed again for each photo (rclone 1.60's stat lists the parent of a name no file
    has, to look for a folder of that name — a month of photos read once per photo)."""
    media = make_source(tmp, 30, 20000)
    env = env_for(None, tmp)
    with SERVERS[KIND](tmp) as server:
        add(server, env)
        before = len(server.requests())
        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 30, doc
        check_complete(server.root, media)
        folders = {os.path.dirname(p) for p in backup_files(server.root)}
        assert len(folders) == 1, folders
        folder = '/dav/%s/' % os.fsdecode(folders.pop())
        listings = [r for r in server.requests()[before:] if r[:3] == ('PROPFIND', folder, '1')]
        assert len(listings) <= 3, (len(listings), listings[:5])


if __name__ == '__main__':
    KIND = sys.argv[2]
    del sys.argv[2]
    cases = [('backup twice, no secret leaks', test_backup_twice_no_secret_leaks)]
    if KIND == 'sftp':
        cases.append(('identity file', test_identity_file))
        cases.append(('host key must be trusted', test_host_key_must_be_trusted))
        cases.append(('host key changed', test_host_key_changed))
    if KIND == 'webdav':
        cases.append(('free names without listing', test_free_names_without_listing))
    run_tests(cases + [
        ('wrong password', test_wrong_password),
        ('killed mid-upload', test_killed_mid_upload),
        ('disk full', test_disk_full),
        ('disk fills during the backup', test_disk_fills_during_backup),
        ('verify names a flipped byte', test_verify_names_flipped_byte),
    ])
