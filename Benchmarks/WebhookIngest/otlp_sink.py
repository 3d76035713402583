"""A discarding OTLP/HTTP receiver for the ingest benchmark's TRACING=1 mode: it reads each export, answers 200 with
an empty ExportTraceServiceResponse (zero bytes of protobuf) and counts exports and bytes, so the server pays for
making and exporting spans while the sink takes as little CPU as it can from the shared cores.
GET /stats -> {"exports": N, "bytes": B}. Prints `listening <port>`; loopback only."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
stats = {"exports": 0, "bytes": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        size = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(size)
        with lock:
            stats["exports"] += 1
            stats["bytes"] += size
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = json.dumps(stats).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening {server.server_port}", flush=True)
server.serve_forever()
