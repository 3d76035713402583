"""Runs httpbin (the real package) on a free loopback port and prints `listening <port>` once ready."""
import logging
import sys

from werkzeug.serving import make_server

logging.getLogger("werkzeug").setLevel(logging.ERROR)
from httpbin.core import app  # noqa: E402

server = make_server("127.0.0.1", 0, app, threaded=True)
print(f"listening {server.server_port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
