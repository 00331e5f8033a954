# ksdrive.py
#
# Copyright 2026 The Keepsake authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real external drive for the script tests: a file system image made with Debian's mkfs
tools on a loop device, mounted and unmounted like a drive plugged in and pulled out. Needs
root; LoopDrive.why_not() says why it cannot be had (for a skip). Standard library only."""

import os
import subprocess

__all__ = ['LoopDrive']


def _run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


class LoopDrive:
    """with LoopDrive(tmp, 'PASSPORT') as drive: drive.mount(); ... drive.unmount()
    The image is made and attached on entry (LoopDrive.Unavailable says why not), and always
    unmounted and detached on exit."""

    class Unavailable(Exception):
        pass

    def __init__(self, tmp, label, fs_type='ext4', size=64 << 20):
        self.image = os.path.join(tmp, label.lower() + '.img')
        self.mnt = os.path.join(tmp, 'mnt', label)
        self.label = label
        self.fs_type = fs_type
        self.size = size
        self.loop = None
        self.mounted = False

    def __enter__(self):
        if os.geteuid() != 0:
            raise LoopDrive.Unavailable('needs root for loop devices and mounts')
        with open(self.image, 'wb') as f:
            f.truncate(self.size)
        if self.fs_type == 'vfat':
            made = _run('mkfs.vfat', '-n', self.label, self.image)
        else:
            made = _run('mkfs.' + self.fs_type, '-q', '-F', '-L', self.label, self.image)
        if made.returncode != 0:
            raise LoopDrive.Unavailable('mkfs.%s: %s' % (self.fs_type, made.stderr.strip()))
        attached = _run('losetup', '--find', '--show', self.image)
        if attached.returncode != 0:
            raise LoopDrive.Unavailable('no loop device: ' + attached.stderr.strip())
        self.loop = attached.stdout.strip()
        os.makedirs(self.mnt, exist_ok=True)
        return self

    def mount(self):
        mounted = _run('mount', self.loop, self.mnt)
        assert mounted.returncode == 0, mounted.stderr
        self.mounted = True

    def unmount(self):
        unmounted = _run('umount', self.mnt)
        assert unmounted.returncode == 0, unmounted.stderr
        self.mounted = False

    def close(self):
        if self.mounted:
            _run('umount', '-l', self.mnt)
            self.mounted = False
        if self.loop is not None:
            _run('losetup', '-d', self.loop)
            self.loop = None

    def __exit__(self, *exc):
        self.close()
