# test-cli-devices.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli devices / list and the device exit codes, through the emulated iPhone:
usbmuxd missing (6), no device (3), several without --device (2), trust dialog (waits, then
works), denied (5), locked (4, or continues once unlocked)."""

import json
import os
import random
import signal
import subprocess
import threading
import time

from clitest import (EXIT, Emulator, cli, cli_json, env_for, make_sample_library, media_files,
                     read_until, run_tests)
import clitest


def test_usbmuxd_missing(tmp):
    env = env_for(None, tmp, {'USBMUXD_SOCKET_ADDRESS': 'UNIX:' + os.path.join(tmp, 'nothing')})
    start = time.monotonic()
    rc, doc, err = cli_json(['devices'], env, timeout=20, expect=EXIT['usbmuxd-missing'])
    assert time.monotonic() - start < 10
    assert doc['error']['code'] == 'usbmuxd-missing'
    assert 'usbmuxd' in doc['error']['message'] and 'usbmuxd' in err
    cli(['list'], env, timeout=20, expect=EXIT['usbmuxd-missing'])
    cli(['backup', '--to', os.path.join(tmp, 'b')], env, timeout=20, expect=EXIT['usbmuxd-missing'])


def test_usage(tmp):
    env = env_for(None, tmp)
    cli([], env, expect=EXIT['usage'])
    cli(['frobnicate'], env, expect=EXIT['usage'])
    cli(['backup'], env, expect=EXIT['usage'])           # --to missing
    cli(['verify'], env, expect=EXIT['usage'])
    cli(['list', '--bogus'], env, expect=EXIT['usage'])
    cli(['devices', '--wait', 'soon'], env, expect=EXIT['usage'])
    rc, out, _ = cli(['--help'], env, expect=0)
    for code in ('130', 'usbmuxd', '--dry-run', 'USBMUXD_SOCKET_ADDRESS'):
        assert code in out, code


def test_devices_and_list(tmp):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 12, seed=3)
    with Emulator(['--device', media, '--name', 'Anna’s iPhone', '--model', 'iPhone16,1',
                   '--ios', '17.4']) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['devices'], env, expect=0)
        assert doc['usbmuxd'] is True
        assert len(doc['devices']) == 1
        d = doc['devices'][0]
        assert d['udid'] == emu.udid()
        assert d['name'] == 'Anna’s iPhone'
        assert d['model_name'] == 'iPhone 15 Pro' and d['product_type'] == 'iPhone16,1'
        assert d['ios_version'] == '17.4'
        assert d['state'] == 'ready'
        assert d['storage_total'] > 0 and 0 <= d['storage_free'] <= d['storage_total']

        rc, out, _ = cli(['devices'], env, expect=0)
        assert 'iPhone 15 Pro' in out and emu.udid() in out

        # list: exactly the phone's files, with their sizes; --device UDID works too.
        phone = media_files(media)
        for args in (['list'], ['list', '--device', emu.udid()]):
            rc, doc, _ = cli_json(args, env, expect=0)
            assert doc['source'] == 'device:' + emu.udid()
            got = {f['path'].encode(): f['size'] for f in doc['files']}
            want = {p: os.path.getsize(os.path.join(media.encode(), b'DCIM', p)) for p in phone}
            assert got == want, (got, want)
            assert doc['count'] == len(phone)

        cli(['list', '--device', '0000-NOT-THERE'], env, expect=EXIT['no-device'])
        cli(['list', '--device', emu.udid(), '--source', media], env, expect=EXIT['usage'])

        emu.control('detach')
        rc, doc, _ = cli_json(['devices'], env, expect=0)
        assert doc['devices'] == []
        rc, doc, err = cli_json(['list'], env, expect=EXIT['no-device'])
        assert doc['error']['code'] == 'no-device'


def test_two_devices(tmp):
    a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'b')
    make_sample_library(a, 3, seed=1)
    make_sample_library(b, 5, seed=2)
    with Emulator(['--device', a, '--name', 'A', '--device', b, '--name', 'B']) as emu:
        env = env_for(emu, tmp)
        rc, doc, _ = cli_json(['devices'], env, expect=0)
        assert sorted(d['name'] for d in doc['devices']) == ['A', 'B']
        assert all(d['state'] == 'ready' for d in doc['devices'])
        rc, doc, err = cli_json(['list'], env, expect=EXIT['usage'])
        assert '--device' in doc['error']['message']
        for d in doc and cli_json(['devices'], env)[1]['devices']:
            rc, listing, _ = cli_json(['list', '--device', d['udid']], env, expect=0)
            assert listing['count'] == len(media_files(a if d['name'] == 'A' else b))


def test_trust_ask(tmp):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 2, seed=4)
    with Emulator(['--device', media, '--trust', 'ask']) as emu:
        env = env_for(emu, tmp)
        # Without anyone tapping Trust: asks, waits, then gives up with 5.
        start = time.monotonic()
        rc, out, err = cli(['list', '--wait', '2'], env, expect=EXIT['not-trusted'])
        assert 'Unlock your iPhone and tap Trust' in err
        assert time.monotonic() - start >= 2

        # Tapping Trust while it waits: the command carries on by itself. Pairing makes new
        # host keys each time, which takes a random while: tap once it has asked.
        p = subprocess.Popen([clitest.CLI, 'list', '--json', '--wait', '30'], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        asked = read_until(p.stderr, b'Unlock your iPhone and tap Trust', 20)
        assert p.poll() is None, 'did not wait for Trust'
        assert emu.control('trust') == 'ok trust'
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, asked + err
        assert len(json.loads(out)['files']) == len(media_files(media))


def test_interrupt_while_pairing(tmp):
    """Ctrl+C while the phone shows Trust: a pairing attempt may be running on a worker then
    (every 1.5 s, new host keys each time). keepsake-cli waits for it before it returns from
    main(); exit() used to free OpenSSL's locks under it (a crash in about 1 of 3 tries)."""
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 2, seed=7)
    rng = random.Random()
    with Emulator(['--device', media, '--trust', 'ask']) as emu:
        env = env_for(emu, tmp)
        for trial in range(6):
            p = subprocess.Popen([clitest.CLI, 'list', '--wait', '30'], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            asked = read_until(p.stderr, b'Unlock your iPhone and tap Trust', 20)
            time.sleep(rng.uniform(0.0, 1.6))
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
            err = asked + err
            assert p.returncode == EXIT['cancelled'], (trial, p.returncode, err)
            assert clitest.NO_CLEANUP.encode() not in err, err
            clitest.check_sanitizer_reports(p.pid, 'keepsake-cli list, SIGINT in trial %d' % trial)


def test_trust_denied(tmp):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 2, seed=5)
    with Emulator(['--device', media, '--trust', 'deny']) as emu:
        env = env_for(emu, tmp)
        rc, doc, err = cli_json(['list'], env, timeout=30, expect=EXIT['not-trusted'])
        assert doc['error']['code'] == 'not-trusted' and doc['command'] == 'list'
        assert 'not trusted' in doc['error']['message']
        rc, doc, _ = cli_json(['devices'], env, expect=0)
        assert doc['devices'][0]['state'] == 'trust-denied'


def test_locked(tmp):
    media = os.path.join(tmp, 'phone')
    make_sample_library(media, 2, seed=6)
    with Emulator(['--device', media, '--locked']) as emu:
        env = env_for(emu, tmp)
        rc, out, err = cli(['backup', '--to', os.path.join(tmp, 'b'), '--wait', '1'], env,
                           expect=EXIT['locked'])
        assert 'Unlock' in err
        rc, doc, _ = cli_json(['devices'], env, expect=0)
        assert doc['devices'][0]['state'] == 'locked'

        p = subprocess.Popen([clitest.CLI, 'list', '--json', '--wait', '30'], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        assert p.poll() is None, 'did not wait for unlock'
        emu.control('unlock')
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err


run_tests([
    ('usbmuxd missing: exit 6 at once, with how to fix it', test_usbmuxd_missing),
    ('usage errors exit 2; --help documents exit codes', test_usage),
    ('devices and list report the phone and exactly its files', test_devices_and_list),
    ('two phones: listed both; --device needed', test_two_devices),
    ('trust dialog: waits and says so; carries on after Trust', test_trust_ask),
    ('Ctrl+C during the Trust dialog: exit 130, no crash, nothing leaked', test_interrupt_while_pairing),
    ('trust denied: exit 5', test_trust_denied),
    ('locked: exit 4 after --wait; carries on after unlock', test_locked),
])
