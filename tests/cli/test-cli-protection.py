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
against the files on disk."""

import os
import sqlite3

from clitest import (EXIT, Emulator, backup_files, catalog_path, cli, cli_json, env_for,
                     make_sample_library, run_tests)

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


if __name__ == '__main__':
    run_tests([
        ('3-2-1 protection per device in status, from the catalog alone', test_protection),
    ])
