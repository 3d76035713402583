"""Runs gcp-storage-emulator (the real package: an in-memory Cloud Storage JSON API) on a free loopback port with
one bucket, `junction-test`, and prints `listening <port>` once it answers."""
import socket
import time
import urllib.request

from gcp_storage_emulator.server import create_server

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
server = create_server("127.0.0.1", port, in_memory=True, default_bucket="junction-test")
server.start()
for _ in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=1)
        break
    except OSError:
        time.sleep(0.05)
print("listening %d" % port, flush=True)
while True:
    time.sleep(3600)
