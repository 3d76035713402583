"""What the fixture servers share: a JSON request handler that records every request (listed at GET /_requests)
and passes it to `respond(method, url, query)`, and a loopback server on a free port that prints `listening <port>`."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_requests = []
_requests_lock = threading.Lock()


class JSONHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, the second waits on the client's delayed ACK
    # (40 ms on Linux) whenever a response is larger than one segment.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply_headers(self):
        """Headers every answer carries (a subclass adds its provider's)."""
        return {}

    def reply(self, status, body=None, content_type="application/json"):
        if body is None:
            data = b""
        elif content_type.startswith("application/json"):
            data = json.dumps(body).encode()
        else:
            data = body.encode()
        self.send_response(status)
        for name, value in self.reply_headers().items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def raw_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def body(self):
        raw = self.raw_body()
        return json.loads(raw) if raw else {}

    def handle_any(self, method):
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with _requests_lock:
            _requests.append({"method": method, "path": url.path, "query": query, "headers": dict(self.headers)})
            if url.path == "/_requests":
                return self.reply(200, list(_requests))
        return self.respond(method, url, query)

    def respond(self, method, url, query):
        raise NotImplementedError

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print("listening %d" % server.server_address[1], flush=True)
    server.serve_forever()
