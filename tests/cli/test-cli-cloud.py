# test-cli-cloud.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli with cloud locations that no test can reach (S3, sign-in services): what it
refuses before connecting, and that a failed connection leaves no plan entry and shows no
secret. The services themselves are not tested end to end (see README.md)."""

import os
import socket
import sys

from clitest import EXIT, cli_json, env_for, run_tests


def error_text(doc):
    error = doc.get('error') or {}
    return error.get('message', '') if isinstance(error, dict) else str(error)


def closed_port():
    """A port nobody listens on, and one whose number holds "401" and "507" (40150..40199,
    45070..45079): an unreachable server must not read as a refused password or a full disk."""
    for port in list(range(40150, 40200)) + list(range(45070, 45080)):
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            continue
        finally:
            s.close()
        return port
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def plan_is_empty(env):
    rc, doc, _ = cli_json(['destinations', 'list'], env, expect=0)
    assert doc['destinations'] == [], doc


def test_secrets_never_in_the_location(tmp):
    env = env_for(None, tmp)
    for location in ('sftp://anna@127.0.0.1/x?password-file=/etc/shadow',
                     's3://bucket/x?secret=abc', 'dropbox:Photos?token=abc'):
        rc, doc, _ = cli_json(['destinations', 'add', location], env, expect=EXIT['usage'])
        assert 'not in the location' in error_text(doc), doc
    rc, doc, _ = cli_json(['destinations', 'add', 's3://bucket/x', '--trust-host-key', 'SHA256:x'],
                          env, expect=EXIT['usage'])
    assert 'only for sftp://' in error_text(doc), doc
    plan_is_empty(env)


def test_s3_unreachable(tmp):
    """The key pair comes from the file, never shows; the region rides in the location."""
    env = env_for(None, tmp)
    keys = os.path.join(tmp, 'keys')
    with open(keys, 'w') as f:
        f.write('AKIDNOTSHOWN\nSECRETNOTSHOWN\n')
    endpoint = 'http://127.0.0.1:%d' % closed_port()
    rc, doc, err = cli_json(['destinations', 'add', 's3://photos/iPhone?region=eu-1',
                             '--endpoint', endpoint, '--password-file', keys],
                            env, expect=EXIT['destination'], timeout=240)
    assert 'cannot be reached' in error_text(doc), doc
    for text in (str(doc), err):
        assert 'AKIDNOTSHOWN' not in text and 'SECRETNOTSHOWN' not in text
    plan_is_empty(env)


def test_sign_in_token_file_is_read(tmp):
    """A token file that is not what rclone authorize prints is refused before connecting."""
    env = env_for(None, tmp)
    token = os.path.join(tmp, 'token')
    with open(token, 'w') as f:
        f.write('Paste the following into your remote machine --->\n{"user":"x"}\n<---End paste\n')
    rc, doc, _ = cli_json(['destinations', 'add', 'pcloud:Photos', '--password-file', token],
                          env, expect=EXIT['destination'])
    assert 'no sign-in token' in error_text(doc), doc
    plan_is_empty(env)


if __name__ == '__main__':
    run_tests([
        ('secrets never in the location', test_secrets_never_in_the_location),
        ('S3 unreachable: clear error, no secret shown', test_s3_unreachable),
        ('a sign-in token file is read and checked', test_sign_in_token_file_is_read),
    ])
