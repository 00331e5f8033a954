#!/usr/bin/python3
# test-cli-encryption.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

# keepsake-cli encryption through the emulated iPhone: WillEncrypt, turning encryption on (the
# next full backup is encrypted and opens with that password only), changing the password (the
# new one opens the next backup, the old one no longer), turning it off (the next backup is
# plain); a wrong current password refused with the phone's own answer and nothing changed; the
# confirmation on the phone (its passcode screen, and a change nobody confirmed); the keyring
# (a real gnome-keyring-daemon on a private bus): --remember, opening a backup with the
# remembered password, off without a password file, forget; and the password never in argv,
# logs, the catalog or any file of ours. Emits TAP.

import os
import plistlib
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'common'))
from clitest import EXIT, Emulator, Skip, cli, cli_json, env_for, read_until, run_tests  # noqa: E402
import clitest  # noqa: E402
from keyring import Keyring, KeyringSkip  # noqa: E402

WRONG_PASSWORD = 11
CONFIRM = b'Confirm on your iPhone'
PASSCODE = b'passcode on the iPhone to confirm'


def make_media(media, n=4):
    folder = os.path.join(media, 'DCIM', '100APPLE')
    os.makedirs(folder)
    for i in range(n):
        with open(os.path.join(folder, 'IMG_%04d.JPG' % i), 'wb') as f:
            f.write(secrets.token_bytes(10_000 + 997 * i))
        os.utime(os.path.join(folder, 'IMG_%04d.JPG' % i), (1700000000 + i, 1700000000 + i))


def start(media, *options):
    return Emulator(['--device', media, '--name', 'Crypt iPhone'] + list(options)).start()


def password_file(tmp, name, password):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(password + '\n')
    os.chmod(path, 0o600)
    return path


def is_encrypted(dest, udid):
    with open(os.path.join(dest, udid, 'Manifest.plist'), 'rb') as f:
        return plistlib.load(f).get('IsEncrypted', False)


def listed(env, dest, pw_file=None, expect=0):
    args = ['list', '--source', dest] + (['--password-file', pw_file] if pw_file else [])
    rc, doc, err = cli_json(args, env, expect=expect)
    return doc, err


def n_files(doc):
    return len(doc.get('files', doc.get('assets', [])))


def status(env):
    rc, doc, err = cli_json(['encryption', 'status'], env, expect=0)
    return doc


def full_backup(env, dest):
    cli_json(['full-backup', '--to', dest], env, timeout=120, expect=0)


def test_on_change_off(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media)
    first = password_file(tmp, 'first', 'first ' + secrets.token_hex(6))
    second = password_file(tmp, 'second', 'second ' + secrets.token_hex(6))
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        udid = emu.udid()
        doc = status(env)
        assert doc['encrypted'] is False and doc['device'] == udid, doc

        # Plain backup first: it lists without a password.
        full_backup(env, dest)
        assert not is_encrypted(dest, udid)
        doc, _ = listed(env, dest)
        plain_count = n_files(doc)
        assert plain_count == 4, doc

        # On: the phone says so, and the next backup is encrypted, opens with the password only.
        rc, out, err = cli(['encryption', 'on', '--password-file', first], env, expect=0)
        assert 'now encrypted' in out, out
        assert status(env)['encrypted'] is True
        full_backup(env, dest)
        assert is_encrypted(dest, udid)
        doc, _ = listed(env, dest, first)
        assert n_files(doc) == plain_count, doc
        doc, err = listed(env, dest, second, expect=EXIT['usage'])
        assert 'password is wrong' in err, err
        doc, err = listed(env, dest, None, expect=EXIT['usage'])
        assert 'password is needed' in err, err

        # Already on: refused before the phone is asked.
        rc, out, err = cli(['encryption', 'on', '--password-file', second], env, expect=EXIT['usage'])
        assert 'already encrypted' in err and CONFIRM.decode() not in err, err

        # Change: the new password opens the next backup, the old one no longer does.
        cli(['encryption', 'change', '--password-file', first, '--new-password-file', second], env, expect=0)
        full_backup(env, dest)
        assert is_encrypted(dest, udid)
        doc, _ = listed(env, dest, second)
        assert n_files(doc) == plain_count
        doc, err = listed(env, dest, first, expect=EXIT['usage'])
        assert 'password is wrong' in err, err

        # Off: the next backup is plain.
        cli(['encryption', 'off', '--password-file', second], env, expect=0)
        assert status(env)['encrypted'] is False
        full_backup(env, dest)
        assert not is_encrypted(dest, udid)
        doc, _ = listed(env, dest)
        assert n_files(doc) == plain_count

        # Off again, change while off: refused before the phone is asked.
        rc, out, err = cli(['encryption', 'off', '--password-file', second], env, expect=EXIT['usage'])
        assert 'not encrypted' in err, err
    finally:
        emu.stop()


def test_wrong_password(tmp):
    media = os.path.join(tmp, 'media')
    make_media(media, 1)
    right = password_file(tmp, 'right', 'right-' + secrets.token_hex(6))
    wrong = password_file(tmp, 'wrong', 'wrong-' + secrets.token_hex(6))
    other = password_file(tmp, 'other', 'other-' + secrets.token_hex(6))
    emu = start(media, '--backup-password', open(right).read().strip())
    try:
        env = env_for(emu, tmp)
        assert status(env)['encrypted'] is True
        for args in (['off', '--password-file', wrong],
                     ['change', '--password-file', wrong, '--new-password-file', other]):
            rc, doc, err = cli_json(['encryption'] + args, env, expect=WRONG_PASSWORD)
            assert doc['error']['code'] == 'wrong-password', doc
            assert 'refused the current backup password' in err, err
        # Nothing changed: the right password still turns it off.
        assert status(env)['encrypted'] is True
        cli(['encryption', 'off', '--password-file', right], env, expect=0)
        assert status(env)['encrypted'] is False
    finally:
        emu.stop()


def test_usage(tmp):
    media = os.path.join(tmp, 'media')
    make_media(media, 1)
    empty = os.path.join(tmp, 'empty')
    open(empty, 'w').close()
    pw = password_file(tmp, 'pw', 'x' + secrets.token_hex(4))
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        cases = [
            (['encryption', 'on'], 'needs --password-file'),
            (['encryption', 'change', '--password-file', pw], 'needs --new-password-file'),
            (['encryption', 'on', '--password-file', empty], 'holds no password'),
            (['encryption', 'status', '--password-file', pw], 'take no password'),
            (['encryption', 'off', '--remember'], '--remember is for on and change'),
            (['encryption', 'sideways'], 'Unknown action'),
            # A password on the command line is no option at all.
            (['encryption', 'on', '--password', 'secret'], 'Unknown option'),
        ]
        for args, says in cases:
            rc, out, err = cli(args, env, expect=EXIT['usage'])
            assert says in err, (args, err)
        assert status(env)['encrypted'] is False
    finally:
        emu.stop()


def test_confirm_on_phone(tmp):
    media = os.path.join(tmp, 'media')
    make_media(media, 1)
    pw = password_file(tmp, 'pw', 'pw-' + secrets.token_hex(6))
    emu = start(media, '--backup-passcode', '--backup-passcode-timeout', '60000')
    try:
        env = env_for(emu, tmp)
        p = subprocess.Popen([clitest.CLI, 'encryption', 'on', '--password-file', pw], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            seen = read_until(p.stderr, PASSCODE, 60)
            assert CONFIRM in seen, seen
            assert p.poll() is None
            # Still not changed while the phone waits.
            assert status(env)['encrypted'] is False
            assert emu.control('enter-passcode') == 'ok enter-passcode'
            p.wait(timeout=60)
            rest = p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        assert p.returncode == 0, rest
        assert status(env)['encrypted'] is True

        # Nobody confirms: a clear sentence, exit 4, nothing changed.
        assert emu.control('passcode-timeout 1000') == 'ok passcode-timeout'
        rc, out, err = cli(['encryption', 'off', '--password-file', pw], env, expect=EXIT['locked'])
        assert 'not confirmed on the iPhone' in err, err
        assert status(env)['encrypted'] is True
    finally:
        emu.stop()


def test_keyring(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media, 2)
    first_pw = 'kr-first-' + secrets.token_hex(6)
    first = password_file(tmp, 'first', first_pw)
    second_pw = 'kr-second-' + secrets.token_hex(6)
    second = password_file(tmp, 'second', second_pw)
    try:
        keyring = Keyring(tmp).start()
    except KeyringSkip as why:
        raise Skip(str(why))
    emu = start(media)
    try:
        env = env_for(emu, tmp)
        kr_env = keyring.env()
        for key in ('DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'):
            env[key] = kr_env[key]
        udid = emu.udid()

        # Not asked: nothing kept.
        cli(['encryption', 'on', '--password-file', first], env, expect=0)
        assert keyring.lookup(udid=udid) is None
        assert status(env)['password_in_keyring'] is False
        cli(['encryption', 'off', '--password-file', first], env, expect=0)

        # Asked: kept under the device's UDID, and used to open its backups.
        cli(['encryption', 'on', '--password-file', first, '--remember'], env, expect=0)
        assert keyring.lookup(udid=udid) == first_pw
        assert status(env)['password_in_keyring'] is True
        full_backup(env, dest)
        doc, _ = listed(env, dest)
        assert n_files(doc) == 2, doc

        # Changed without --remember: the keyring's (older) password no longer opens the new
        # backup, and says so as a missing password; the file's does.
        cli(['encryption', 'change', '--new-password-file', second], env, expect=0)
        assert keyring.lookup(udid=udid) == first_pw
        full_backup(env, dest)
        doc, err = listed(env, dest, None, expect=EXIT['usage'])
        assert 'the keyring remembers' in err, err
        doc, _ = listed(env, dest, second)
        assert n_files(doc) == 2

        # Changed again with --remember, then off with the keyring's password, then forget.
        cli(['encryption', 'change', '--password-file', second, '--new-password-file', first,
             '--remember'], env, expect=0)
        assert keyring.lookup(udid=udid) == first_pw
        cli(['encryption', 'off'], env, expect=0)
        assert status(env)['encrypted'] is False
        cli(['encryption', 'forget'], env, expect=0)
        assert keyring.lookup(udid=udid) is None
        rc, out, err = cli(['encryption', 'off'], env, expect=EXIT['usage'])
        assert 'keyring does not remember' in err, err
    finally:
        emu.stop()
        keyring.stop()


def grep_tree(root, needle):
    hits = []
    for base, _, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            try:
                with open(path, 'rb') as f:
                    if needle in f.read():
                        hits.append(path)
            except OSError:
                pass
    return hits


def test_no_leaks(tmp):
    media = os.path.join(tmp, 'media')
    dest = os.path.join(tmp, 'dest')
    os.makedirs(dest)
    make_media(media, 2)
    password = 'leak-canary-' + secrets.token_hex(8)
    new_password = 'leak-canary-new-' + secrets.token_hex(8)
    emu = start(media, '--backup-passcode', '--backup-passcode-timeout', '60000')
    try:
        env = env_for(emu, tmp, {'G_MESSAGES_DEBUG': 'all'})
        logs = b''
        # From standard input; the CLI waits for the phone, meanwhile every process's argv and
        # environment is read.
        p = subprocess.Popen([clitest.CLI, 'encryption', 'on', '--password-file', '-'], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write(password.encode() + b'\n')
            p.stdin.close()
            p.stdin = None
            logs += read_until(p.stderr, PASSCODE, 60)
            leaked = []
            for pid in os.listdir('/proc'):
                if not pid.isdigit():
                    continue
                for what in ('cmdline', 'environ'):
                    try:
                        with open('/proc/%s/%s' % (pid, what), 'rb') as f:
                            if password.encode() in f.read():
                                leaked.append((pid, what))
                    except OSError:
                        pass
            assert not leaked, leaked
            assert emu.control('enter-passcode') == 'ok enter-passcode'
            out, rest = p.communicate(timeout=60)
            logs += out + rest
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert p.returncode == 0, logs
        assert b'mobilebackup2' in logs, 'debug logs were on'

        confirmed = (['full-backup', '--to', dest],
                     ['encryption', 'change', '--password-file', password_file(tmp, 'pw', password),
                      '--new-password-file', password_file(tmp, 'new', new_password)])
        for args in confirmed:
            # The phone asks for its passcode at the backup's start and to confirm the change.
            p = subprocess.Popen([clitest.CLI] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                logs += read_until(p.stderr, b'passcode on the iPhone', 60)
                emu.control('enter-passcode')
                out, err = p.communicate(timeout=120)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            assert p.returncode == 0, err
            logs += out + err
        # The backup was made before the change: the first password opens it.
        for args in (['list', '--source', dest, '--password-file', os.path.join(tmp, 'pw')],
                     ['encryption', 'status'],
                     ['status']):
            rc, out, err = cli(args, env, timeout=120, expect=0)
            logs += (out + err).encode()
        os.unlink(os.path.join(tmp, 'pw'))
        os.unlink(os.path.join(tmp, 'new'))
        for secret in (password, new_password):
            assert secret.encode() not in logs, 'in the output or the debug log'
            # The catalog (and its -wal), caches, the backup folder, everything under tmp.
            assert os.path.exists(clitest.catalog_path(tmp)), clitest.catalog_path(tmp)
            assert not grep_tree(tmp, secret.encode()), grep_tree(tmp, secret.encode())
    finally:
        emu.stop()


if __name__ == '__main__':
    run_tests([
        ('status, on, change, off, each with the next full backup', test_on_change_off),
        ('a wrong current password is refused and nothing changes', test_wrong_password),
        ('usage errors, and no password on the command line', test_usage),
        ('confirmation on the phone: passcode screen, and nobody confirming', test_confirm_on_phone),
        ('the keyring: remember, open with it, off with it, forget', test_keyring),
        ('the password is never in argv, logs, the catalog or our files', test_no_leaks),
    ])
