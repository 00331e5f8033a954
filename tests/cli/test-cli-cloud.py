# test-cli-cloud.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""keepsake-cli with cloud locations that no test can reach (S3, sign-in services): what it
refuses before connecting, and that a failed connection leaves no plan entry and shows no
secret; OneDrive's drive looked up against a stand-in for Microsoft Graph. The services
themselves are not tested end to end (see README.md)."""

import http.server
import json
import os
import socket
import sys
import threading

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


class GraphStandIn:
    """Microsoft Graph's GET /v1.0/me/drive on 127.0.0.1: the drive, for the right token only."""

    def __init__(self, drive):
        stand_in = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                stand_in.requests.append((self.path, self.headers.get('Authorization')))
                ok = (self.path == '/v1.0/me/drive'
                      and self.headers.get('Authorization') == 'Bearer at-graph-1')
                body = json.dumps(drive).encode() if ok else b''
                self.send_response(200 if ok else 401)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/v1.0' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_onedrive_drive_looked_up(tmp):
    """`destinations add onedrive:PATH` asks Graph for the account's drive with the token from
    the file, as the window does; the connection test then fails here (no Microsoft), after
    the drive went into the remote: rclone names it, and does not complain of a missing one."""
    token = os.path.join(tmp, 'onedrive-token')
    with open(token, 'w') as f:
        f.write('{"access_token":"at-graph-1","token_type":"Bearer","refresh_token":"rt-graph-1",'
                '"expiry":"2099-01-01T00:00:00Z"}\n')
    with GraphStandIn({'id': 'b!Drive_42-x', 'driveType': 'personal'}) as graph:
        env = env_for(None, tmp, {'KEEPSAKE_ONEDRIVE_GRAPH_URL': graph.url})
        rc, doc, err = cli_json(['destinations', 'add', 'onedrive:Photos', '--password-file', token],
                                env, timeout=120)
        assert graph.requests == [('/v1.0/me/drive', 'Bearer at-graph-1')], graph.requests
    assert rc != 0, doc
    text = error_text(doc)
    assert 'drive_id' not in text, doc
    # Offline, rclone names the address it could not reach: the drive looked up.
    if 'graph.microsoft.com' in text:
        assert '/drives/b!Drive_42-x/' in text, doc
    for out in (str(doc), err):
        assert 'at-graph-1' not in out and 'rt-graph-1' not in out
    plan_is_empty(env)

    # An answer without a usable drive: a clear sentence, before rclone is started.
    with GraphStandIn({'id': 'x&password-file=/etc/shadow', 'driveType': 'personal'}) as graph:
        env = env_for(None, tmp, {'KEEPSAKE_ONEDRIVE_GRAPH_URL': graph.url})
        rc, doc, _ = cli_json(['destinations', 'add', 'onedrive:Photos', '--password-file', token],
                              env, expect=EXIT['destination'])
    assert 'did not say which drive' in error_text(doc), doc
    plan_is_empty(env)


if __name__ == '__main__':
    run_tests([
        ('secrets never in the location', test_secrets_never_in_the_location),
        ('S3 unreachable: clear error, no secret shown', test_s3_unreachable),
        ('a sign-in token file is read and checked', test_sign_in_token_file_is_read),
        ('OneDrive: the drive looked up from the command line', test_onedrive_drive_looked_up),
    ])
