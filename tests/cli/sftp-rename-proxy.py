#!/usr/bin/python3
# An SFTP subsystem for sshd that runs OpenSSH's own sftp-server between the client and
# itself and, once — the first time a file is renamed to a path ending in WORD —, plays
# one of the things that happen to real servers:
#
#   sftp-rename-proxy.py cut FLAG WORD
#     lets the server make the rename, then drops the connection before its answer reaches
#     the client: a server or network that dies between doing a move and saying so;
#   sftp-rename-proxy.py take FLAG WORD
#     puts a file of its own at the new path just before the rename reaches the server:
#     another computer that stored a file under that name since the client last looked;
#   sftp-rename-proxy.py change FLAG WORD FILE
#     not at a rename but when a file whose name holds WORD is opened on the server (an
#     upload begins): flips a byte in FILE on this computer before the server opens it — the
#     file being uploaded changed after the client read it.
#
# FLAG is made when it happened; from then on, everything passes through.
# Requests (RFC draft-ietf-secsh-filexfer-02, version 3): uint32 length, byte type, uint32
# id, then the fields; SSH_FXP_RENAME (18) and the extension posix-rename@openssh.com in
# SSH_FXP_EXTENDED (200) both carry the old and the new path as strings, SSH_FXP_OPEN (3)
# the file's path first.
import os
import struct
import subprocess
import sys
import threading

FXP_OPEN, FXP_RENAME, FXP_EXTENDED = 3, 18, 200

mode, flag, word = sys.argv[1], sys.argv[2], sys.argv[3].encode()
TAKEN = b'a file another computer stored here\n'

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


def opened(packet):
    """The path of an open request, or None."""
    return string_at(packet, 9)[0] if packet[4] == FXP_OPEN else None


def flip_a_byte(path):
    with open(path, 'r+b') as f:
        f.seek(os.path.getsize(path) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0xff]))


def client_to_server():
    stdin = sys.stdin.buffer
    while True:
        packet = read_packet(stdin)
        if packet is None:
            break
        if mode == 'change':
            path = opened(packet)
            if path is not None and word in path and not os.path.exists(flag):
                flip_a_byte(sys.argv[4])
                open(flag, 'w').close()
            server.stdin.write(packet)
            server.stdin.flush()
            continue
        to = new_name(packet)
        if to is not None and to.endswith(word) and not os.path.exists(flag):
            if mode == 'take':
                with open(to, 'xb') as f:
                    f.write(TAKEN)
                open(flag, 'w').close()
            else:
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
