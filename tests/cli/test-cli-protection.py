# test-cli-protection.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""`keepsake-cli status --json`'s 3-2-1 protection per device, from the catalog alone (the
phone unplugged): after a backup that left the videos out (a plan option), the photos have one
backup and the videos none; a second destination on another medium kept elsewhere makes the
photos safe; each destination says its medium, what it holds and whether its last backup of
the device is overdue (runs moved into the past through the catalog). The figures are checked
against the files on disk.

A plan of a local folder, an external drive (an ext4 image on a loop device) and an SFTP server
(a real sshd on 127.0.0.1), with a phone whose Photos.sqlite says which photos iCloud Photos
holds and which originals are only there: each destination holds every original on the phone
(what is on disk), the photos in iCloud are safe (iCloud is offsite), the rest lack only an
offsite copy until the server is kept elsewhere, and the iCloud-only ones are counted apart."""

import configparser
import hashlib
import os
import sqlite3
import subprocess
import sys

from clitest import (EXIT, Emulator, Skip, backup_files, catalog_path, cli, cli_json, env_for,
                     make_sample_library, run_tests)
from servers import SERVERS

sys.path.insert(0, os.path.join(os.environ['KS_SOURCE_ROOT'], 'tests', 'common'))
from ksdrive import LoopDrive  # noqa: E402

N_ASSETS = 20


def device_protection(env, udid):
    rc, doc, _ = cli_json(['status'], env, expect=0)
    devices = [d for d in doc['devices'] if d['udid'] == udid]
    assert len(devices) == 1, doc['devices']
    return devices[0]['protection']


def sql(tmp, statement, *args):
    con = sqlite3.connect(catalog_path(tmp))
    try:
        with con:
            return con.execute(statement, args).fetchall()
    finally:
        con.close()


def test_protection(tmp):
    media = os.path.join(tmp, 'phone')
    home, away = os.path.join(tmp, 'home'), os.path.join(tmp, 'away')
    make_sample_library(media, N_ASSETS, seed=41)
    os.makedirs(home)
    os.makedirs(away)
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        udid = emu.udid()
        rc, doc, _ = cli_json(['destinations', 'add', home, '--name', 'Home'], env, expect=0)
        home_id = doc['destination']['id']
        rc, doc, _ = cli_json(['destinations', 'add', away, '--name', 'Away'], env, expect=0)
        away_id = doc['destination']['id']
        cli(['destinations', 'disable', away_id], env, expect=0)

        # Videos left out by the plan: they stay only on the phone.
        sql(tmp, "INSERT OR REPLACE INTO plan_settings (key, value) VALUES ('include-videos', 'false')")
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['failed'] == 0 and doc['videos_copied'] == 0, doc
        n_photos = doc['photos_copied']
        assert 0 < n_photos < N_ASSETS, doc

    # The phone is gone: the catalog still knows.
    p = device_protection(env, udid)
    assert p['listed_at'] > 0 and p['assets'] == N_ASSETS, p
    assert p['only_on_device'] == N_ASSETS - n_photos, p
    assert p['not_321']['count'] == n_photos and p['safe'] == 0, p
    assert p['not_321']['missing_copies'] == n_photos, p
    assert p['not_321']['missing_media'] == n_photos, p
    assert p['not_321']['missing_offsite'] == n_photos, p
    assert p['copies'] == {'1': N_ASSETS - n_photos, '2': n_photos, '3+': 0}, p
    assert p['offsite'] == 0 and p['icloud_only'] == 0, p
    # Only destinations that are switched on count.
    assert [d['id'] for d in p['destinations']] == [home_id], p
    home_entry = p['destinations'][0]
    assert home_entry['medium'] == 'computer' and home_entry['offsite'] is False, home_entry
    assert home_entry['assets'] == n_photos and home_entry['overdue'] is False, home_entry
    assert home_entry['last_run'] > 0, home_entry
    # What the catalog says is what is on disk: one file per photo (no Live Photos here,
    # or their movies would be counted as files, not assets).
    assert len(backup_files(home)) >= n_photos

    # The second folder is an external drive kept elsewhere: the photos become safe.
    sql(tmp, "UPDATE plan_destinations SET kind = 'drive' WHERE id = ?", away_id)
    cli(['destinations', 'set', away_id, '--offsite', 'maybe'], env, expect=EXIT['usage'])
    cli(['destinations', 'set', away_id, '--offsite', 'on'], env, expect=0)
    assert sql(tmp, "SELECT value FROM plan_settings WHERE key = ?",
               'destination/%s/offsite' % away_id) == [('true',)]
    with Emulator(['--device', media]) as emu:
        env = env_for(emu, tmp)
        cli(['destinations', 'enable', away_id], env, expect=0)
        rc, doc, _ = cli_json(['backup'], env, expect=0)
        assert doc['failed'] == 0, doc
    assert backup_files(away) == backup_files(home)

    p = device_protection(env, udid)
    assert p['safe'] == n_photos and p['not_321']['count'] == 0, p
    assert p['only_on_device'] == N_ASSETS - n_photos, p
    assert p['copies'] == {'1': N_ASSETS - n_photos, '2': 0, '3+': n_photos}, p
    assert p['offsite'] == n_photos, p
    by_id = {d['id']: d for d in p['destinations']}
    assert by_id[away_id]['medium'] == 'drive' and by_id[away_id]['offsite'] is True, by_id
    assert by_id[away_id]['kind'] == 'drive' and by_id[away_id]['assets'] == n_photos, by_id

    # Eight days later (past the default of seven), both are overdue.
    sql(tmp, "UPDATE runs SET started_at = started_at - 8 * 86400, finished_at = finished_at - 8 * 86400")
    p = device_protection(env, udid)
    assert all(d['overdue'] for d in p['destinations']), p['destinations']

    # Kept at home again: no offsite copy, the photos lack only that.
    cli(['destinations', 'set', away_id, '--offsite', 'off'], env, expect=0)
    p = device_protection(env, udid)
    assert p['safe'] == 0 and p['not_321']['count'] == n_photos, p
    assert p['not_321']['missing_offsite'] == n_photos and p['not_321']['missing_copies'] == 0, p
    assert p['not_321']['missing_media'] == 0, p
    cli(['destinations', 'set', away_id, '--offsite', 'on'], env, expect=0)

    # The text form says it in words.
    rc, out, _ = cli(['status'], env, expect=0)
    assert '%d safe (3-2-1)' % n_photos in out, out
    assert '%d only on this iPhone' % (N_ASSETS - n_photos) in out, out


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def phone_originals(media):
    """The contents of DCIM and PhotoData/CPLAssets: what a backup must copy."""
    out = set()
    for sub in ('DCIM', os.path.join('PhotoData', 'CPLAssets')):
        for d, _, files in os.walk(os.path.join(media, sub)):
            out |= {sha256(os.path.join(d, f)) for f in files}
    return out


def test_folder_drive_sftp_icloud(tmp):
    if os.geteuid() != 0:
        raise Skip('needs root for loop devices, mounts and the SSH server')
    media = os.path.join(tmp, 'phone')
    manifest = media + '.ini'
    subprocess.run([os.environ['KS_SAMPLE_LIBRARY'], '--out', media, '--count', '24', '--fast',
                    '--ios', '17', '--seed', '7', '--manifest', manifest], check=True, stdout=sys.stderr)
    m = configparser.ConfigParser(delimiters=('=',))
    m.optionxform = str
    m.read(manifest, encoding='utf-8')
    lib = m['library']
    n_assets, n_only, n_in = int(lib['assets']), int(lib['icloud_only']), int(lib['in_icloud'])
    n_phone = n_assets - n_only
    assert 0 < n_in < n_phone and n_only > 0, dict(lib)

    home = os.path.join(tmp, 'home')
    os.makedirs(home)
    drive = LoopDrive(tmp, 'PASSPORT')
    try:
        drive.__enter__()
    except LoopDrive.Unavailable as why:
        raise Skip(str(why))
    try:
        drive.mount()
        mnt = drive.mnt
        on_drive = os.path.join(mnt, 'Photos')
        os.mkdir(on_drive)
        with SERVERS['sftp'](tmp) as server, Emulator(['--device', media]) as emu:
            env = env_for(emu, tmp)
            udid = emu.udid()
            ids = {}
            rc, doc, _ = cli_json(['destinations', 'add', home, '--name', 'Home'], env, expect=0)
            ids['home'] = doc['destination']['id']
            rc, doc, _ = cli_json(['destinations', 'add', on_drive], env, expect=0)
            assert doc['destination']['kind'] == 'drive', doc
            ids['drive'] = doc['destination']['id']
            rc, doc, _ = cli_json(['destinations', 'add', server.location(),
                                   '--password-file', server.password_file] + server.trust_args(),
                                  env, expect=0, timeout=90)
            assert doc['destination']['kind'] == 'network', doc
            ids['sftp'] = doc['destination']['id']
            rc, doc, _ = cli_json(['backup'], env, expect=0, timeout=240)
            assert doc['failed'] == 0, doc

            # On disk: every original of the phone at each destination, the same files.
            originals = phone_originals(media)
            files = backup_files(home)
            assert set(files.values()) == originals, (len(files), len(originals))
            assert backup_files(on_drive) == files
            assert backup_files(server.root) == files

            # What status says of it, from the catalog alone.
            p = device_protection(env, udid)
            assert p['assets'] == n_assets, (p, dict(lib))
            assert p['icloud_only'] == n_only and p['in_icloud'] == n_in + n_only, (p, dict(lib))
            assert p['only_on_device'] == 0, p
            by_id = {d['id']: d for d in p['destinations']}
            assert {by_id[ids[k]]['medium'] for k in ids} == {'computer', 'drive', 'network'}, by_id
            assert all(by_id[ids[k]]['assets'] == n_phone for k in ids), (by_id, n_phone)
            # Three backups on three media: iCloud is the offsite copy, where there is one.
            assert p['safe'] == n_in, p
            assert p['not_321']['count'] == n_phone - n_in, p
            assert p['not_321']['missing_offsite'] == n_phone - n_in, p
            assert p['not_321']['missing_copies'] == 0 and p['not_321']['missing_media'] == 0, p
            assert p['copies']['3+'] == n_phone, p
            assert p['offsite'] == n_in + n_only, p

            # The server is kept elsewhere: every photo on the phone is safe.
            cli(['destinations', 'set', ids['sftp'], '--offsite', 'on'], env, expect=0)
            p = device_protection(env, udid)
            assert p['safe'] == n_phone and p['not_321']['count'] == 0, p
            assert p['offsite'] == n_assets and p['icloud_only'] == n_only, p
    finally:
        drive.close()


if __name__ == '__main__':
    run_tests([
        ('3-2-1 protection per device in status, from the catalog alone', test_protection),
        ('a folder, a drive and an SFTP server, with photos in iCloud: status matches the disk',
         test_folder_drive_sftp_icloud),
    ])
