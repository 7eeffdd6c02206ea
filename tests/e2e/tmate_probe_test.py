#!/usr/bin/python3
"""End to end against a `tandem relay`'s tmate subsystem with a client that is not a
well-behaved tmate (paramiko, hand-made msgpack): a tmate of another protocol version
is told so in tmate's messages; bytes that are no msgpack cost only their own
connection; a message over the relay's cap is dropped and the host told, and its
session goes on; a real handshake still gets its links and READY. Loopback only;
every wait is bounded.

usage: tmate_probe_test.py PATH/TO/tandem
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import paramiko

tandem = os.path.realpath(sys.argv[1])
work = tempfile.mkdtemp()
os.chmod(work, 0o755)  # the relay gives root up
relay = None


def fail(why):
    print(f"FAIL: {why}")
    if os.path.exists(f"{work}/relay.log"):
        print("--- relay log\n" + open(f"{work}/relay.log").read())
    sys.exit(1)


# ---- msgpack, just what the test sends and reads
def mp_int(n):
    if 0 <= n < 128:
        return bytes([n])
    if -32 <= n < 0:
        return struct.pack("b", n)
    return b"\xd3" + struct.pack(">q", n)


def mp_str(s):
    b = s.encode() if isinstance(s, str) else s
    if len(b) < 32:
        return bytes([0xA0 | len(b)]) + b
    if len(b) < 256:
        return b"\xd9" + bytes([len(b)]) + b
    if len(b) < 65536:
        return b"\xda" + struct.pack(">H", len(b)) + b
    return b"\xdb" + struct.pack(">I", len(b)) + b


def mp_array(items):
    assert len(items) < 16
    return bytes([0x90 | len(items)]) + b"".join(items)


def header(version=6):
    return mp_array([mp_int(0), mp_int(version), mp_str("2.4.0")])


READY = mp_array([mp_int(9)])


def connect(port):
    t = paramiko.Transport(("127.0.0.1", port))
    t.start_client(timeout=10)
    t.auth_none("tmate")
    ch = t.open_session(timeout=10)
    ch.invoke_subsystem("tmate")
    ch.settimeout(10)
    return t, ch


def read_until(ch, needle, seconds=15):
    got = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and needle not in got:
        try:
            chunk = ch.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
    return got


try:
    relay = subprocess.Popen([tandem, "relay", "--listen", "127.0.0.1:0", "--state-dir", f"{work}/state"],
                             stdout=subprocess.PIPE, stderr=open(f"{work}/relay.log", "w"), text=True)
    port = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and port is None:
        line = relay.stdout.readline()
        if "tmate-server-port" in line:
            port = int(line.split()[-1])
    if port is None:
        fail("the relay printed no tmate-server-port")

    # 1. Another protocol version: told so, in a NOTIFY tmate shows, then let go.
    t, ch = connect(port)
    ch.sendall(header(5))
    got = read_until(ch, b"tmate 2.4")
    if b"speaks the protocol of tmate 2.4" not in got:
        fail(f"a tmate of protocol 5 was not told why: {got!r}")
    t.close()

    # 2. Bytes that are no msgpack: that connection ends, the relay goes on.
    t, ch = connect(port)
    ch.sendall(header() + b"\xc1garbage")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not ch.closed and not ch.eof_received:
        time.sleep(0.05)
    if not (ch.closed or ch.eof_received):
        fail("a connection that sent no msgpack was not closed")
    t.close()

    # 3. A real handshake gets the links and READY; a message over the cap is
    # dropped and the host told, and the session goes on (its next message counts).
    t, ch = connect(port)
    ch.sendall(header() + READY)
    got = read_until(ch, b"\x91\x05")
    if b"tmate_ssh" not in got or b"tmate_reconnection_data" not in got or b"\x91\x05" not in got:
        fail(f"no links and READY after a handshake: {got[:300]!r}")
    layout = mp_array([mp_int(1), mp_int(80), mp_int(23),
                       mp_array([mp_array([mp_int(0), mp_str("bash"), mp_array([mp_array([mp_int(0), mp_int(80),
                                                                                          mp_int(23), mp_int(0),
                                                                                          mp_int(0)])]),
                                           mp_int(0)])]), mp_int(0)])
    big = mp_array([mp_int(2), mp_int(0), mp_str(b"x" * (2 * 1024 * 1024))])
    ch.sendall(layout + big + mp_array([mp_int(2), mp_int(0), mp_str("still here")]))
    got = read_until(ch, b"was dropped", 30)
    if b"was dropped" not in got:
        fail(f"a message over the cap was not said to be dropped: {got[-300:]!r}")
    # A malformed message (a string where an array was due) is logged and dropped.
    ch.sendall(mp_str("not an array") + mp_array([mp_int(2), mp_int(0), mp_str("and after")]))
    time.sleep(0.5)
    if ch.closed or ch.eof_received:
        fail("one malformed message ended the session")
    log = open(f"{work}/relay.log").read()
    if "over the" not in log or "message dropped" not in log:
        fail("the relay did not log the dropped messages")
    t.close()
    if relay.poll() is not None:
        fail("the relay died")
    print("PASS: tmate subsystem probe")
finally:
    if relay and relay.poll() is None:
        relay.terminate()
        try:
            relay.wait(10)
        except subprocess.TimeoutExpired:
            relay.kill()
    shutil.rmtree(work, ignore_errors=True)
