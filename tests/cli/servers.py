# servers.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real servers on 127.0.0.1 for the network destination tests, started from Debian's own
programs with a throwaway configuration in a temp folder and a random free port: OpenSSH's
sshd (SFTP, with a temporary user that has a password and a key), Apache with mod_dav
(WebDAV) and Samba's smbd (SMB). Each is a context manager and is always stopped, with every
process it started (sessions included), even when the test fails.

`root` is the folder the server serves, so a test reads back what landed with the server's
own view of it: the files on disk."""

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time


class ServerError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError('the server exited with %d' % proc.returncode)
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError('the server did not listen on port %d' % port)


def descendants(pid):
    """Every process below @pid (by the parent links in /proc)."""
    children = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(')') + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(proc):
    """SIGKILL the server and everything it started (sshd's sessions, smbd's children)."""
    if proc is None:
        return
    pids = descendants(proc.pid)
    for p in [proc.pid] + pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class Server:
    scheme = None

    def trust_args(self):
        """What destinations add needs to trust the server (SFTP: its host key)."""
        return []

    def __init__(self, tmp, root=None, tmpfs_size=None):
        self.dir = os.path.join(tmp, 'server-' + self.scheme)
        os.makedirs(self.dir, exist_ok=True)
        # The server's own user must get through the test's private temp folders.
        os.chmod(tmp, 0o711)
        os.chmod(self.dir, 0o711)
        self.root = root or os.path.join(self.dir, 'root')
        os.makedirs(self.root, exist_ok=True)
        self.mounted = False
        if tmpfs_size is not None:
            # A small disk of its own, to fill up.
            subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=0755' % tmpfs_size,
                            'tmpfs', self.root], check=True)
            self.mounted = True
        self.port = None
        self.proc = None
        self.user = None
        self.password = secrets.token_hex(12)
        self.password_file = os.path.join(self.dir, 'password')
        with open(self.password_file, 'w') as f:
            f.write(self.password + '\n')
        os.chmod(self.password_file, 0o600)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            self.unmount()

    def unmount(self):
        if self.mounted:
            subprocess.run(['umount', '-l', self.root])
            self.mounted = False

    def kill(self):
        """The server dies at once, mid-transfer if there is one."""
        kill_tree(self.proc)
        self.proc = None

    def stop(self):
        self.kill()

    def remove_own_temporaries(self):
        """Files the server itself was writing when it was killed (Apache's PUT goes to a
        .davfs.tmp file first); not Keepsake's to clean."""
        for d, _, files in os.walk(self.root):
            for f in files:
                if f.startswith('.davfs.tmp'):
                    os.unlink(os.path.join(d, f))

    def log(self):
        path = os.path.join(self.dir, 'log')
        if not os.path.exists(path):
            return ''
        with open(path, errors='replace') as f:
            return f.read()[-4000:]


class TempUser:
    """A system user for the life of a test (sshd and smbd check real accounts)."""

    def __init__(self, home, password):
        self.name = 'kst' + secrets.token_hex(4)
        self.home = home
        subprocess.run(['useradd', '--no-create-home', '--home-dir', home, '--shell', '/bin/sh',
                        self.name], check=True)
        subprocess.run(['chpasswd'], input=('%s:%s\n' % (self.name, password)).encode(), check=True)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def remove(self):
        subprocess.run(['userdel', self.name], stderr=subprocess.DEVNULL)


class SshServer(Server):
    """sshd -D on 127.0.0.1 for SFTP, with its own host key; the test user logs in with a
    password or with a key. sftp-server and a shell (rclone runs md5sum over it)."""
    scheme = 'sftp'
    # What sshd runs for SFTP (a test may put a misbehaving proxy in front of it).
    sftp_subsystem = '/usr/lib/openssh/sftp-server'

    def start(self):
        self.account = TempUser(self.dir, self.password)
        self.user = self.account.name
        os.chown(self.root, self.account.uid, self.account.gid)
        self.host_key = os.path.join(self.dir, 'host_key')
        self.identity_file = os.path.join(self.dir, 'id_ed25519')
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', self.host_key], check=True)
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', self.identity_file], check=True)
        auth = os.path.join(self.dir, 'authorized_keys')
        shutil.copy(self.identity_file + '.pub', auth)
        os.chmod(auth, 0o644)
        os.makedirs('/run/sshd', exist_ok=True)
        self.port = free_port()
        config = os.path.join(self.dir, 'sshd_config')
        with open(config, 'w') as f:
            f.write('\n'.join([
                'Port %d' % self.port,
                'ListenAddress 127.0.0.1',
                'HostKey %s' % self.host_key,
                'PidFile none',
                'UsePAM no',
                'PasswordAuthentication yes',
                'KbdInteractiveAuthentication no',
                'PubkeyAuthentication yes',
                'AuthorizedKeysFile %s' % auth,
                'StrictModes no',
                'PermitRootLogin no',
                'AllowUsers %s' % self.user,
                'Subsystem sftp %s' % self.sftp_subsystem,
                'LogLevel ERROR',
                '']))
        self.proc = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f', config],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, 'log'), 'w'))
        wait_for_port(self.port, self.proc)

    def restart(self):
        self.proc = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f',
                                      os.path.join(self.dir, 'sshd_config')],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, 'log'), 'a'))
        wait_for_port(self.port, self.proc)

    def location(self):
        return 'sftp://%s@127.0.0.1:%d%s' % (self.user, self.port, self.root)

    def fingerprint(self):
        """The host key's fingerprint as OpenSSH's own ssh-keygen -lf prints it."""
        out = subprocess.run(['ssh-keygen', '-lf', self.host_key + '.pub'], check=True,
                             stdout=subprocess.PIPE).stdout.decode()
        return out.split()[1]

    def trust_args(self):
        return ['--trust-host-key', self.fingerprint()]

    def new_host_key(self):
        """The server is given another key (as a reinstall or an impostor would); restart it."""
        for suffix in ('', '.pub'):
            os.unlink(self.host_key + suffix)
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', self.host_key], check=True)

    def stop(self):
        self.kill()
        if getattr(self, 'account', None) is not None:
            self.account.remove()
            self.account = None


class WebDavServer(Server):
    """Apache with mod_dav_fs in the foreground, Basic authentication from its own password
    file; it serves `root` at /dav. Plain WebDAV keeps no checksums."""
    scheme = 'webdav'

    def start(self):
        import base64
        import hashlib
        self.user = 'anna'
        www = pwd.getpwnam('www-data')
        os.chown(self.root, www.pw_uid, www.pw_gid)
        run_dir = os.path.join(self.dir, 'run')
        os.makedirs(run_dir, exist_ok=True)
        os.chown(run_dir, www.pw_uid, www.pw_gid)
        users = os.path.join(self.dir, 'htpasswd')
        digest = base64.b64encode(hashlib.sha1(self.password.encode()).digest()).decode()
        with open(users, 'w') as f:
            f.write('%s:{SHA}%s\n' % (self.user, digest))
        os.chmod(users, 0o644)
        self.port = free_port()
        modules = '/usr/lib/apache2/modules/'
        config = os.path.join(self.dir, 'httpd.conf')
        with open(config, 'w') as f:
            f.write('\n'.join(
                ['LoadModule %s_module %smod_%s.so' % (m, modules, m) for m in (
                    'mpm_event', 'authn_core', 'authn_file', 'auth_basic', 'authz_core',
                    'authz_user', 'alias', 'dav', 'dav_fs')] + [
                'ServerName 127.0.0.1',
                'ServerRoot %s' % self.dir,
                'DefaultRuntimeDir %s' % run_dir,
                'PidFile %s/httpd.pid' % run_dir,
                'Listen 127.0.0.1:%d' % self.port,
                'User www-data',
                'Group www-data',
                'ErrorLog %s/log' % self.dir,
                'LogLevel warn',
                # What clients asked for: a test counts the listings of a folder.
                'LogFormat "%m %U %{Depth}i %>s" requests',
                'CustomLog %s/requests requests' % self.dir,
                'DavLockDB %s/davlock' % run_dir,
                'Alias /dav %s' % self.root,
                '<Directory %s>' % self.root,
                '  Dav On',
                '  AuthType Basic',
                '  AuthName keepsake-test',
                '  AuthUserFile %s' % users,
                '  Require valid-user',
                '</Directory>',
                '']))
        self.config = config
        self.restart()

    def restart(self):
        self.proc = subprocess.Popen(['/usr/sbin/apache2', '-f', self.config, '-DFOREGROUND'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)

    def location(self):
        return 'webdav://%s@127.0.0.1:%d/dav' % (self.user, self.port)

    def requests(self):
        """The requests served so far: (method, path, depth, status)."""
        with open(os.path.join(self.dir, 'requests')) as f:
            return [tuple(line.split()) for line in f]


class SmbServer(Server):
    """Samba's smbd in the foreground on a non-privileged port, its own smb.conf, state and
    password database; the share "photos" is `root`, for a temporary user."""
    scheme = 'smb'

    def start(self):
        self.account = TempUser(self.dir, self.password)
        self.user = self.account.name
        os.chown(self.root, self.account.uid, self.account.gid)
        state = os.path.join(self.dir, 'state')
        os.makedirs(state, exist_ok=True)
        self.port = free_port()
        self.config = os.path.join(self.dir, 'smb.conf')
        with open(self.config, 'w') as f:
            f.write('\n'.join([
                '[global]',
                '  server role = standalone server',
                '  smb ports = %d' % self.port,
                '  interfaces = 127.0.0.1',
                '  bind interfaces only = yes',
                '  disable netbios = yes',
                '  server min protocol = SMB2',
                '  passdb backend = tdbsam:%s/passdb.tdb' % state,
                '  private dir = %s' % state,
                '  lock directory = %s' % state,
                '  state directory = %s' % state,
                '  cache directory = %s' % state,
                '  pid directory = %s' % state,
                '  ncalrpc dir = %s/ncalrpc' % state,
                '  log file = %s/log' % self.dir,
                '  log level = 1',
                '  map to guest = never',
                '  load printers = no',
                '  printcap name = /dev/null',
                '[photos]',
                '  path = %s' % self.root,
                '  read only = no',
                '  valid users = %s' % self.user,
                '']))
        subprocess.run(['smbpasswd', '-c', self.config, '-s', '-a', self.user],
                       input=('%s\n%s\n' % (self.password, self.password)).encode(),
                       check=True, stdout=subprocess.DEVNULL)
        self.restart()

    def restart(self):
        self.proc = subprocess.Popen(['/usr/sbin/smbd', '--foreground', '--no-process-group',
                                      '--configfile=%s' % self.config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)

    def location(self):
        return 'smb://%s@127.0.0.1:%d/photos' % (self.user, self.port)

    def stop(self):
        self.kill()
        if getattr(self, 'account', None) is not None:
            self.account.remove()
            self.account = None


SERVERS = {
    'sftp': SshServer,
    'webdav': WebDavServer,
    'smb': SmbServer,
}
