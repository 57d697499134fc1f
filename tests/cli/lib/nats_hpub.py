#!/usr/bin/env python3
# nats_hpub.py - publishes messages with headers to a NATS server through the
# client protocol itself (CONNECT, HPUB, PING/PONG), for tests that must store
# what slate's own tools never send (e.g. decisions out of their `seq` order).
# It does not wait for JetStream's acknowledgement: the PONG after the HPUBs
# says the server has read them; the caller checks the stream.
#   nats_hpub.py nats://HOST:PORT SUBJECT 'Name: value' PAYLOAD [...]  (pairs)
import socket, sys, urllib.parse

u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port or 4222), timeout=10)
f = s.makefile("rb")
f.readline()  # INFO
s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n')
subject = sys.argv[2].encode()
args = sys.argv[3:]
for i in range(0, len(args), 2):
    hdr = b"NATS/1.0\r\n" + args[i].encode() + b"\r\n\r\n"
    body = args[i + 1].encode()
    s.sendall(b"HPUB %s %d %d\r\n%s%s\r\n" % (subject, len(hdr), len(hdr) + len(body), hdr, body))
s.sendall(b"PING\r\n")
while True:
    line = f.readline()
    if not line:
        sys.exit("nats_hpub.py: connection closed: no PONG")
    if line.startswith(b"-ERR"):
        sys.exit("nats_hpub.py: " + line.decode().strip())
    if line.startswith(b"PONG"):
        break
s.close()
