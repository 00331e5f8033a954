# test-cli-misbehave.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli against an iPhone that lies: every `--misbehave` mode of the emulator
(malformed AFC packets, lying listings, sizes and reads, lockdownd values of the wrong type,
a reply cut short or left hanging). For each: `backup` exits with its documented code and a
sentence, nothing partial counts as backed up (no temporary file, every claim of the index and
of the catalog true), `devices` says what is wrong when the phone itself is, and once the phone
behaves again the next run completes. Usage: test-cli-misbehave.py CLI"""

import os

from clitest import (EXIT, Emulator, check_complete, check_integrity, cli_json, env_for,
                     make_sample_library, run_tests)

# mode → the exit codes `backup` may end with (README, "Exit status"): 1 when the phone's
# replies cannot be trusted any more (the run stops), 9 when single files were refused.
MODES = {
    'afc-truncated': {EXIT['failed']},
    'afc-overlong': {EXIT['failed']},
    'afc-bad-header': {EXIT['failed'], EXIT['some-failed']},
    'read-long': {EXIT['some-failed']},
    'read-short': {EXIT['some-failed']},
    'size-change': {EXIT['some-failed']},
    'dir-garbage': {EXIT['failed']},
    'dir-duplicates': {EXIT['failed']},
    'stall': {EXIT['failed']},
    'lockdown-types': {EXIT['failed']},
    'lockdown-truncated': {EXIT['failed']},
}

# A phone whose lockdownd lies is not working at all: `devices` says so.
DEVICE_MODES = {'lockdown-types', 'lockdown-truncated'}


def library(tmp):
    media = os.path.join(tmp, 'phone')
    # Two folders, big and small files (a 4 MiB read is not the whole of every file).
    make_sample_library(media, 10, seed=14)
    big = os.path.join(media, 'DCIM', '100APPLE', 'IMG_9000.MOV')
    with open(big, 'wb') as f:
        f.write(os.urandom(9 * 1024 * 1024 + 12345))
    return media


def error_sentence(doc):
    """The sentence the run stopped with, or those of its failed files."""
    if doc.get('error'):
        return doc['error']['message'] if isinstance(doc['error'], dict) else doc['error']
    return ' / '.join(e.get('reason') or e.get('message') or '' for e in doc.get('errors', []))


def trial(tmp, emu, media, mode):
    app = os.path.join(tmp, 'app-' + mode)
    dest = os.path.join(tmp, 'backup-' + mode)
    env = env_for(emu, app)
    assert emu.control('misbehave ' + mode).startswith('ok')
    rc, doc, err = cli_json(['backup', '--to', dest], env, timeout=90)
    sentence = error_sentence(doc)
    print('# %s: exit %d: %s' % (mode, rc, sentence), flush=True)
    assert rc in MODES[mode], (mode, rc, doc, err)
    assert sentence and len(sentence) > 10, (mode, doc)
    check_integrity(dest, app, media)
    if mode in DEVICE_MODES:
        # The phone itself is not working: `devices` says so, with the same kind of sentence.
        rc, devs, err = cli_json(['devices'], env, timeout=90)
        dev = devs['devices'][0]
        assert dev['state'] == 'error' and 'Unplug it and plug it in again' in dev['message'], devs
    # The phone behaves again: the next run copies what is missing, byte for byte.
    assert emu.control('misbehave off').startswith('ok')
    cli_json(['backup', '--to', dest], env, timeout=90, expect=EXIT['ok'])
    check_complete(dest, media)
    check_integrity(dest, app, media)


def test_modes(tmp):
    # One phone for all the modes (each trial has its own catalog and folder).
    media = library(tmp)
    with Emulator(['--device', media, '--name', 'Lying iPhone']) as emu:
        for mode in MODES:
            trial(tmp, emu, media, mode)


run_tests([('every --misbehave mode', test_modes)])
