#!/usr/bin/python3
# An SFTP subsystem for sshd that runs OpenSSH's own sftp-server between the client and
# itself, and once — the first time a file is renamed to a path ending in WORD — lets the
# server make the rename and then drops the connection before its answer reaches the client:
# a server or network that dies between doing a move and saying so.
#
#   sftp-cut-after-rename.py FLAG WORD
#
# FLAG is made when the connection was cut; while it exists, everything passes through.
# Requests (RFC draft-ietf-secsh-filexfer-02, version 3): uint32 length, byte type, uint32
# id, then the fields; SSH_FXP_RENAME (18) and the extension posix-rename@openssh.com in
# SSH_FXP_EXTENDED (200) both carry the old and the new path as strings.
import os
import struct
import subprocess
import sys
import threading

FXP_RENAME, FXP_EXTENDED = 18, 200

flag, word = sys.argv[1], sys.argv[2].encode()
server = subprocess.Popen(['/usr/lib/openssh/sftp-server'], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
watched = set()
lock = threading.Lock()


def read_exactly(f, n):
    data = b''
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_packet(f):
    head = read_exactly(f, 4)
    if head is None:
        return None
    body = read_exactly(f, struct.unpack('>I', head)[0])
    return None if body is None else head + body


def string_at(body, pos):
    n = struct.unpack('>I', body[pos:pos + 4])[0]
    return body[pos + 4:pos + 4 + n], pos + 4 + n


def new_name(packet):
    """The new path of a rename request, or None."""
    kind, pos = packet[4], 9
    if kind == FXP_EXTENDED:
        name, pos = string_at(packet, pos)
        if name != b'posix-rename@openssh.com':
            return None
    elif kind != FXP_RENAME:
        return None
    _, pos = string_at(packet, pos)
    return string_at(packet, pos)[0]


def client_to_server():
    stdin = sys.stdin.buffer
    while True:
        packet = read_packet(stdin)
        if packet is None:
            break
        to = new_name(packet)
        if to is not None and to.endswith(word) and not os.path.exists(flag):
            with lock:
                watched.add(packet[5:9])
        server.stdin.write(packet)
        server.stdin.flush()
    server.stdin.close()


threading.Thread(target=client_to_server, daemon=True).start()
out = sys.stdout.buffer
while True:
    packet = read_packet(server.stdout)
    if packet is None:
        break
    with lock:
        cut = packet[5:9] in watched
    if cut:
        # Done on the server; the answer never leaves it.
        open(flag, 'w').close()
        server.kill()
        os._exit(0)
    out.write(packet)
    out.flush()
server.wait()
