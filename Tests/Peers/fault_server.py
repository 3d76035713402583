"""Loopback HTTP server with the failures httpbin cannot produce, and a ledger of what it received.

Routes (all counts are per `key`, so concurrent tests do not interfere):
  GET|POST /flaky?key=K&fail=N&status=S[&retry_after=R]  answers S (with Retry-After R) N times, then 200.
       POST with an Idempotency-Key is answered like Stripe: a key seen before replays the first result.
  GET  /ledger?key=K          the attempts received for K: arrival times, methods and idempotency keys.
  GET  /reset?key=K&fail=N    resets the TCP connection N times, then 200.
  GET  /stall                 sends headers and part of the body, then stalls for 30 s.
  GET  /ok                    200 {"ok": true}
  GET  /quota?key=K&remaining=R&reset=S   200 with X-RateLimit-Remaining/Reset headers.
  GET  /list/<style>          a 7-item list in pages of 3, in the style named: cursor, link, next-url,
                              token, page, offset.
Prints `listening <port>` once ready.
"""
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
ATTEMPTS = {}  # key -> list of {"t", "method", "idempotencyKey", "path"}
IDEMPOTENT_RESULTS = {}  # idempotency key -> created object id
CREATED = {}  # key -> number of objects created
ITEMS = [{"id": f"item_{i}"} for i in range(7)]
PAGE = 3


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def record(self, key):
        with LOCK:
            entries = ATTEMPTS.setdefault(key, [])
            entries.append({
                "t": time.time(),
                "method": self.command,
                "idempotencyKey": self.headers.get("Idempotency-Key"),
                "path": self.path,
            })
            return len(entries)

    def do_POST(self):
        self.do_GET()

    def do_PATCH(self):
        self.do_GET()

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        key = query.get("key", "default")
        path = url.path

        if path == "/flaky":
            count = self.record(key)
            fail = int(query.get("fail", "0"))
            idem = self.headers.get("Idempotency-Key")
            if self.command == "POST":
                with LOCK:
                    if idem and idem in IDEMPOTENT_RESULTS:
                        return self.send_json(200, {"id": IDEMPOTENT_RESULTS[idem], "replayed": True})
            if count <= fail:
                headers = {}
                if "retry_after" in query:
                    headers["Retry-After"] = query["retry_after"]
                return self.send_json(int(query.get("status", "503")), {"error": {"message": f"failure {count}"}}, headers)
            if self.command == "POST":
                with LOCK:
                    CREATED[key] = CREATED.get(key, 0) + 1
                    object_id = f"obj_{key}_{CREATED[key]}"
                    if idem:
                        IDEMPOTENT_RESULTS[idem] = object_id
                return self.send_json(200, {"id": object_id, "attempt": count})
            return self.send_json(200, {"ok": True, "attempt": count})

        if path == "/ledger":
            with LOCK:
                return self.send_json(200, {"attempts": ATTEMPTS.get(key, []), "created": CREATED.get(key, 0)})

        if path == "/reset":
            count = self.record(key)
            if count <= int(query.get("fail", "1")):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            return self.send_json(200, {"ok": True, "attempt": count})

        if path == "/stall":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": ')
            self.wfile.flush()
            time.sleep(30)
            return

        if path == "/ok":
            self.record(key)
            return self.send_json(200, {"ok": True})

        if path == "/quota":
            self.record(key)
            return self.send_json(200, {"ok": True}, {
                "X-RateLimit-Remaining": query.get("remaining", "0"),
                "X-RateLimit-Reset": query.get("reset", "1"),
            })

        if path.startswith("/list/"):
            return self.list_page(path[len("/list/"):], query)

        self.send_json(404, {"error": {"message": f"no route {path}"}})

    def list_page(self, style, query):
        base = f"http://127.0.0.1:{self.server.server_port}/list/{style}"
        if style == "cursor":
            after = query.get("starting_after")
            start = 0 if after is None else [i["id"] for i in ITEMS].index(after) + 1
            page = ITEMS[start:start + PAGE]
            return self.send_json(200, {"data": page, "has_more": start + PAGE < len(ITEMS)})
        if style in ("link", "next-url", "token", "page"):
            key = {"link": "page", "next-url": "page", "token": "pageToken", "page": "page"}[style]
            number = int(query.get(key, "1" if style != "token" else "0") or 0)
            index = number - 1 if style != "token" else number
            page = ITEMS[index * PAGE:(index + 1) * PAGE]
            more = (index + 1) * PAGE < len(ITEMS)
            if style == "link":
                headers = {"Link": f'<{base}?page={number + 1}>; rel="next", <{base}?page=1>; rel="first"'} if more else {}
                return self.send_json(200, page, headers)
            if style == "next-url":
                body = {"records": page, "done": not more}
                if more:
                    body["nextRecordsUrl"] = f"/list/next-url?page={number + 1}"
                return self.send_json(200, body)
            if style == "token":
                body = {"items": page}
                if more:
                    body["nextPageToken"] = str(number + 1)
                return self.send_json(200, body)
            return self.send_json(200, {"results": page})
        if style == "offset":
            offset = int(query.get("offset", "0"))
            return self.send_json(200, {"rows": ITEMS[offset:offset + PAGE]})
        self.send_json(404, {"error": {"message": f"no list style {style}"}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening {server.server_port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
