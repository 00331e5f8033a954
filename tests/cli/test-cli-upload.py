# test-cli-upload.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""The upload engine of network and cloud destinations, with keepsake-cli against a real sshd
on 127.0.0.1 (servers.py):

- keepsake-cli killed with SIGKILL mid-upload: its rclone child dies with it, nothing
  half-written counts, the next run uploads only the rest; an rclone a crashed run left
  behind is stopped by the next one, and a process that is not it is left alone;
- progress: the bytes rclone says it sent grow monotonically to the total;
- phone → this computer → cloud: with a folder and an SFTP destination in the plan, every
  photo is read from the phone once (the emulator counts what it served), and an SFTP
  destination added later is filled from the folder's copies without reading the phone;
- retries: the server restarted mid-upload, the run still completes;
- the remote's own index: written per batch as segments, folded into .keepsake/index when
  the run ends; a reinstall (a fresh catalog) recognises everything."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from clitest import (Emulator, check_complete, check_integrity, cli_json, env_for,
                     make_sample_library, media_files, run_tests, temp_files)
from servers import SshServer, descendants

sys.path.insert(0, os.path.dirname(__file__))
from importlib import import_module  # noqa: E402

remote = import_module('test-cli-remote')
make_source, named_files, add, backup = (remote.make_source, remote.named_files, remote.add,
                                         remote.backup)

SEGMENT = b'index.seg-'


def rclone_pids(parent):
    out = []
    for pid in descendants(parent):
        try:
            with open('/proc/%d/comm' % pid) as f:
                if f.read().strip() == 'rclone':
                    out.append(pid)
        except OSError:
            pass
    return out


def alive(pid):
    """Running (a zombie nobody reaped yet is dead)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(')') + 2] != 'Z'


def remote_claims(root):
    """{sha256: path} the server's .keepsake says it holds: the whole index, then the
    segments it has not taken in yet ("segments N" on its first line), in order."""
    meta = os.path.join(os.fsencode(root), b'.keepsake')
    lines, upto = [], 0
    try:
        with open(os.path.join(meta, b'index'), 'rb') as f:
            whole = f.read().split(b'\n')
        if whole and whole[0].startswith(b'segments '):
            upto = int(whole.pop(0)[9:])
        lines += whole
    except FileNotFoundError:
        pass
    for name in sorted(segments(root)):
        if int(name[len(SEGMENT):]) > upto:
            with open(os.path.join(meta, name), 'rb') as f:
                data = f.read()
            lines += data[:data.rfind(b'\n') + 1].split(b'\n')
    claims = {}
    for line in lines:
        if line.startswith(b'forget '):
            claims.pop(line[7:].decode(), None)
            continue
        parts = line.split(b' ', 2)
        if len(parts) == 3 and len(parts[0]) == 64:
            claims[parts[0].decode()] = parts[2]
    return claims


def segments(root):
    meta = os.path.join(os.fsencode(root), b'.keepsake')
    if not os.path.isdir(meta):
        return []
    return [n for n in os.listdir(meta) if n.startswith(SEGMENT)]


def check_claims(root, media):
    phone = set(media_files(media).values())
    for h, rel in remote_claims(root).items():
        p = os.path.join(os.fsencode(root), rel)
        with open(p, 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == h, 'false claim: %r' % rel
        assert h in phone


def staging_dirs(tmp):
    top = os.path.join(tmp, 'cache', os.environ.get('KS_USER_DIR_NAME', 'keepsake'), 'rclone')
    return [os.path.join(top, d) for d in os.listdir(top)] if os.path.isdir(top) else []


def test_sigkill_leaves_no_rclone(tmp):
    media = make_source(tmp, 40, 300000)
    env = env_for(None, tmp)
    with SshServer(tmp) as server:
        add(server, env)
        p = subprocess.Popen([sys.argv[1], 'backup', '--source', os.path.join(media, 'DCIM'), '--json'],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = set()
        deadline = time.monotonic() + 120
        # Killed once a batch is recorded on the server (a whole line of its index segment, not
        # only the segment file, which can be seen while still being written) and more is on the way.
        while p.poll() is None and time.monotonic() < deadline:
            seen.update(rclone_pids(p.pid))
            if remote_claims(server.root) and len(named_files(server.root)) >= 3:
                os.kill(p.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        p.wait()
        assert p.returncode == -signal.SIGKILL, 'the backup ended before it could be killed'
        assert seen, 'no rclone child was seen'

        # The parent-death signal: the child goes with its parent, not whenever.
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in seen if alive(pid)], 'rclone outlived keepsake-cli'

        claimed = remote_claims(server.root)
        assert 1 <= len(claimed) < 40, len(claimed)
        check_claims(server.root, media)

        rc, doc, _ = backup(media, env, expect=0)
        # What the killed run had recorded is not uploaded again; the rest is.
        assert doc['skipped'] >= len(claimed) and doc['copied'] + doc['skipped'] == 40, (doc, len(claimed))
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)
        assert len(remote_claims(server.root)) == 40
        # Folded into the whole index when the run ended: older versions read that one.
        assert segments(server.root) == [], segments(server.root)
        assert len(remote.index_entries(server.root)) == 40


def start_stale(argv):
    """A process as a crashed run would have left it, and its line for the pid file."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    with open('/proc/%d/stat' % proc.pid) as f:
        stat = f.read()
    start = stat[stat.rindex(')') + 2:].split()[19]
    return proc, '%d %s\n' % (proc.pid, start)


def test_stale_rclone_stopped(tmp):
    media = make_source(tmp, 2, 1000)
    env = env_for(None, tmp)
    with SshServer(tmp) as server:
        add(server, env)
        backup(media, env, expect=0)
        [staging] = staging_dirs(tmp)
        pid_file = os.path.join(staging, '.rcd-pid')
        assert not os.path.exists(pid_file), 'the pid file outlived its rclone'

        stale, line = start_stale(['rclone', 'rcd', '--rc-no-auth', '--config=',
                                   '--rc-addr', '127.0.0.1:0'])
        other, other_line = start_stale(['sleep', '600'])
        try:
            with open(pid_file, 'w') as f:
                f.write(line)
            backup(make_source(tmp, 3, 1000, seed=1), env, expect=0)
            assert stale.wait(timeout=20) == -signal.SIGKILL

            # Not rclone (a pid used again by something else): left alone.
            with open(pid_file, 'w') as f:
                f.write(other_line)
            backup(media, env, expect=0)
            assert other.poll() is None, 'a process that is not the stale rclone was killed'
        finally:
            for proc in (stale, other):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def upload_events(media, env):
    p = subprocess.run([sys.argv[1], 'backup', '--source', os.path.join(media, 'DCIM'),
                        '--json', '--progress-json'], env=env, capture_output=True, timeout=300)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return [json.loads(line) for line in p.stderr.decode().splitlines() if line.startswith('{')]


def check_progress(events, total, suffix):
    uploads = [e['upload_done'] for e in events]
    assert events and all(e['upload_total'] == total for e in events), (events[:3], total)
    assert uploads == sorted(uploads), uploads
    assert uploads[-1] == total, (uploads[-1], total)
    # Seen while it went, not only at the end.
    assert [u for u in uploads if 0 < u < total], uploads
    assert any(e.get('upload_path', '').endswith(suffix) for e in events)


def test_progress_from_rclone(tmp):
    """Photos go up in plain calls, the progress growing as each is on the server; a long
    video goes up as an rclone job, its progress from rclone's own count while it goes."""
    media = make_source(tmp, 16, 700000)
    env = env_for(None, tmp)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(media) for f in fs)
    with SshServer(tmp) as server:
        add(server, env)
        check_progress(upload_events(media, env), total, '.JPG')
        check_complete(server.root, media)

        # Alone in its run: only rclone's count can show it part way.
        video = os.path.join(media, 'DCIM', '100APPLE', 'IMG_0100.MOV')
        with open(video, 'wb') as f:
            f.write(os.urandom(40_000_000))
        check_progress(upload_events(media, env), 40_000_000, '.MOV')
        check_complete(server.root, media)


def served_per_file(emu):
    return {k: v for k, v in emu.stats()['files'].items() if k.startswith('/DCIM/')}


def test_upload_from_local_copy(tmp):
    media, folder = os.path.join(tmp, 'phone'), os.path.join(tmp, 'backup')
    make_sample_library(media, 10, seed=41)
    os.makedirs(folder)
    sizes = {'/DCIM/' + rel.decode(): os.path.getsize(os.path.join(media, 'DCIM', rel.decode()))
             for rel in media_files(media)}
    with Emulator(['--device', media]) as emu, SshServer(tmp) as server:
        env = env_for(emu, tmp)
        cli_json(['destinations', 'add', folder], env, expect=0)
        add(server, env)
        emu.control('reset-stats')
        rc, doc, _ = cli_json(['backup'], env, expect=0, timeout=300)
        # Each photo left the phone once, for both destinations.
        assert served_per_file(emu) == sizes, (served_per_file(emu), sizes)
        check_complete(folder, media)
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)
        check_claims(server.root, media)
        # Uploaded from the folder's copies: nothing was left in the cache.
        for staging in staging_dirs(tmp):
            assert sorted(os.listdir(staging)) == ['.lock'], os.listdir(staging)

        # A second SFTP destination added later is filled from the folder: the phone is
        # not read again.
        second = os.path.join(server.dir, 'second')
        os.makedirs(second)
        os.chown(second, server.account.uid, server.account.gid)
        location = 'sftp://%s@127.0.0.1:%d%s' % (server.user, server.port, second)
        cli_json(['destinations', 'add', location, '--password-file', server.password_file],
                 env, expect=0, timeout=90)
        emu.control('reset-stats')
        rc, doc, _ = cli_json(['backup'], env, expect=0, timeout=300)
        assert served_per_file(emu) == {}, served_per_file(emu)
        check_complete(second, media)
        check_claims(second, media)
        assert temp_files(second) == []


def test_server_back_during_back_off(tmp):
    """The server goes away mid-upload and is back a moment later: the retries (1, 2, 4, 8 s
    apart) ride it out and the run completes."""
    import threading
    media = make_source(tmp, 24, 300000)
    env = env_for(None, tmp)
    with SshServer(tmp) as server:
        add(server, env)
        bounced = []

        def bounce():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if len(named_files(server.root)) >= 3:
                    server.kill()
                    time.sleep(0.5)
                    server.restart()
                    bounced.append(True)
                    return
                time.sleep(0.005)
        t = threading.Thread(target=bounce)
        t.start()
        rc, doc, _ = backup(media, env, timeout=300)
        t.join()
        assert bounced, 'the backup ended before the server could be restarted'
        # What went wrong first: the whole document is long, and a CI page folds it.
        assert rc == 0, (rc, doc.get('errors'), doc.get('error'), server.log()[-1500:])
        assert doc['copied'] == 24, doc
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)
        assert len(remote_claims(server.root)) == 24


class RenameProxyServer(SshServer):
    """sshd whose SFTP, at the first rename to a path ending in @word, either makes it and
    drops the connection unanswered ('cut') or first puts a file of its own there ('take');
    see sftp-rename-proxy.py."""

    def __init__(self, tmp, mode, word, *more):
        super().__init__(tmp)
        script = os.path.join(self.dir, 'sftp-rename-proxy.py')
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 'sftp-rename-proxy.py'), script)
        os.chmod(script, 0o755)
        self.flags = os.path.join(self.dir, 'flags')
        self.flag = os.path.join(self.flags, mode)
        os.makedirs(self.flags)
        self.sftp_subsystem = ' '.join(['/usr/bin/python3', script, mode, self.flag, word] + list(more))

    def start(self):
        super().start()
        os.chown(self.flags, self.account.uid, self.account.gid)


def test_move_answer_lost(tmp):
    """The server makes a move and the connection breaks before its answer: tried again,
    the move finds its source gone. It counts as made because the server holds exactly the
    bytes: a photo taking its name, the index taking its place (the segments then go)."""
    os.chmod(tmp, 0o711)  # for sshd's user, to the proxy
    for n, word in enumerate(['/IMG_0003.JPG', '/.keepsake/index']):
        case = os.path.join(tmp, 'case%d' % n)
        os.makedirs(case)
        os.chmod(case, 0o711)
        media = make_source(case, 8, 50000)
        env = env_for(None, case)
        with RenameProxyServer(case, 'cut', word) as server:
            add(server, env)
            rc, doc, _ = backup(media, env, timeout=180)
            assert os.path.exists(server.flag), (word, 'no rename was cut')
            assert rc == 0, (word, rc, doc.get('errors'), doc.get('error'))
            assert doc['copied'] == 8, (word, doc)
            check_complete(server.root, media)
            check_integrity(server.root, case, media)
            assert temp_files(server.root) == []
            assert len(remote.index_entries(server.root)) == 8, word
            assert segments(server.root) == [], (word, segments(server.root))


def test_name_taken_since_the_listing(tmp):
    """Another computer stores a file under a photo's name after the run listed the folder,
    just before the photo is moved there: that file stays as it was, the photo takes the
    next free name, and the run still stores everything."""
    os.chmod(tmp, 0o711)
    media = make_source(tmp, 8, 50000)
    env = env_for(None, tmp)
    with RenameProxyServer(tmp, 'take', '/IMG_0003.JPG') as server:
        add(server, env)
        rc, doc, _ = backup(media, env, timeout=180)
        assert os.path.exists(server.flag), 'no name was taken'
        assert rc == 0, (rc, doc.get('errors'), doc.get('error'))
        assert doc['copied'] == 8, doc
        names = named_files(server.root)
        assert len(names) == 9, names

        def stored(name):
            found = [p for p in names if os.path.basename(p) == name]
            assert len(found) == 1, (name, names)
            with open(os.path.join(os.fsencode(server.root), found[0]), 'rb') as f:
                return f.read()

        assert stored(b'IMG_0003.JPG') == b'a file another computer stored here\n'
        with open(os.path.join(media, 'DCIM', '100APPLE', 'IMG_0003.JPG'), 'rb') as f:
            assert stored(b'IMG_0003 (2).JPG') == f.read()
        assert temp_files(server.root) == []
        assert len(remote.index_entries(server.root)) == 8


def test_source_changed_after_reading(tmp):
    """A folder source's files go up from where they are, with no copy in the cache: a file
    that changes after Keepsake read it (before rclone sends it) is not counted — the server
    holds other bytes than those read — and is named; the next run stores it as it is now."""
    os.chmod(tmp, 0o711)
    media = make_source(tmp, 8, 50000)
    victim = os.path.join(media, 'DCIM', '100APPLE', 'IMG_0003.JPG')
    os.chmod(os.path.dirname(victim), 0o755)
    for d in (media, os.path.join(media, 'DCIM')):
        os.chmod(d, 0o755)
    os.chmod(victim, 0o666)  # for sshd's user, to the proxy
    with open(victim, 'rb') as f:
        read_first = f.read()
    env = env_for(None, tmp)
    with RenameProxyServer(tmp, 'change', 'IMG_0003', victim) as server:
        add(server, env)
        rc, doc, _ = backup(media, env, timeout=180)
        assert os.path.exists(server.flag), 'the upload of IMG_0003 was not seen'
        with open(victim, 'rb') as f:
            changed = f.read()
        assert changed != read_first
        assert rc != 0 and doc['copied'] == 7, (rc, doc)
        said = [e for e in doc['errors'] if 'IMG_0003.JPG changed while it was being backed up'
                in json.dumps(e)]
        assert len(said) == 1 and len(doc['errors']) == 1, doc['errors']
        assert os.path.exists(victim), 'the source file is gone'
        names = [os.path.basename(p) for p in named_files(server.root)]
        assert b'IMG_0003.JPG' not in names and len(names) == 7, names
        assert temp_files(server.root) == []
        assert len(remote.index_entries(server.root)) == 7

        rc, doc, _ = backup(media, env, expect=0, timeout=180)
        assert doc['copied'] == 1, doc
        check_complete(server.root, media)
        check_integrity(server.root, tmp, media)


def test_reinstall_recognises_everything(tmp):
    media = make_source(tmp, 30, 20000)
    env = env_for(None, tmp)
    with SshServer(tmp) as server:
        add(server, env)
        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 30, doc
        assert segments(server.root) == []
        assert len(remote.index_entries(server.root)) == 30

        # A fresh catalog and cache: only the server's own .keepsake says what is there.
        for d in ('data', 'cache'):
            subprocess.run(['rm', '-rf', os.path.join(tmp, d)], check=True)
        add(server, env)
        rc, doc, _ = backup(media, env, expect=0)
        assert doc['copied'] == 0 and doc['skipped'] == 30, doc


if __name__ == '__main__':
    run_tests([
        ('SIGKILL leaves no rclone and nothing half-written', test_sigkill_leaves_no_rclone),
        ('a stale rclone is stopped, nothing else', test_stale_rclone_stopped),
        ('progress from rclone grows to the total', test_progress_from_rclone),
        ('uploads read the local copy, the phone once', test_upload_from_local_copy),
        ('the server back during the back-off', test_server_back_during_back_off),
        ('a move whose answer was lost', test_move_answer_lost),
        ('a name taken since the listing', test_name_taken_since_the_listing),
        ('a source file changed after reading', test_source_changed_after_reading),
        ('a reinstall recognises everything', test_reinstall_recognises_everything),
    ])
