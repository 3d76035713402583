"""A provider to sync from, for the sync tests and benchmarks: "Ledger", a REST API with no public implementation to
run, written in the shape most incremental APIs share (HubSpot's and Zendesk's incremental exports, Stripe's events):

  GET /v1/accounts?updated_since=<RFC 3339>&limit=<n>&after=<cursor>
      records {"id", "name", "balance", "updated_at", ...} ordered by (updated_at, id), `updated_since` inclusive (>=),
      keyset pages: {"data": [...], "next": "<cursor>" | null}; at most 100 per page
  GET /v1/accounts/{id}
  POST /v1/accounts {"name", ...} -> the new record (id acc_w…); no idempotency keys, as many APIs have none
  PATCH /v1/accounts/{id} {fields} -> the record (a null removes the field); with If-Match, 412 unless it names the
      record's updated_at (a conditional update); DELETE /v1/accounts/{id} -> {"id", "deleted": true}
  GET /v1/events?created_gte=<unix seconds>&limit=<n>&after=<cursor>
      the change feed deletions are learned from: {"id", "type": "account.deleted", "created", "data": {"object": {"id"}}}
  bearer auth with LEDGER_TOKEN; 429 with Retry-After when a fault is armed

Test controls (no auth): POST /_admin/upsert {"records": [{"id", "name", "updated_at"?}...]} (updated_at defaults to now),
POST /_admin/delete {"ids": [...], "silent"?: true}, POST /_admin/generate {"count", "bytes", "updated_at"?} (count records of about
`bytes` each, ids acc_0000001…), POST /_admin/faults {"status": 429, "count": n, "retryAfter": s, "after": k} (after k more
list calls, the next n fail), POST /_admin/delay {"seconds": s} (each list page waits), POST /_admin/write_delay {"seconds": s} (each write waits, then
applies, whether or not its caller is still there), GET /_admin/stats (list calls made, the most that overlapped, and the
writes: creates, updates, deletes), GET /_admin/accounts (every account, for comparing both sides).
"""
import base64
import bisect
import json
import threading
import time
from datetime import datetime, timezone

from fixture_http import JSONHandler, serve

LEDGER_TOKEN = "ledger-fixture-token"
lock = threading.Lock()
accounts = {}
events = []
faults = {"status": 0, "count": 0, "retryAfter": 0, "after": 0}
settings = {"delay": 0.0, "write_delay": 0.0}
stats = {"lists": 0, "pages_failed": 0, "in_flight": 0, "max_in_flight": 0, "creates": 0, "updates": 0, "deletes": 0, "gets": 0,
         "preconditions_failed": 0}
write_counter = [0]
last_stamp = [0.0]
sorted_cache = {"keys": None, "records": None}
json_cache = {}


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text):
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z").timestamp()


def encode_cursor(record):
    return base64.urlsafe_b64encode(json.dumps([record["updated_at"], record["id"]]).encode()).decode()


def ordered():
    """The accounts in listing order with their keys, made once per change, not per page: a benchmark lists 1,000,000
    records in pages of 100, so a page is found by bisection and written from each record's cached JSON."""
    if sorted_cache["keys"] is None:
        records = sorted(accounts.values(), key=lambda r: (r["updated_at"], r["id"]))
        sorted_cache["records"] = records
        sorted_cache["keys"] = [(r["updated_at"], r["id"]) for r in records]
    return sorted_cache["records"], sorted_cache["keys"]


def record_json(record):
    text = json_cache.get(record["id"])
    if text is None:
        text = json_cache[record["id"]] = json.dumps(record)
    return text


def changed(ids=None):
    sorted_cache["keys"] = None
    if ids is None:
        json_cache.clear()
    for record_id in ids or []:
        json_cache.pop(record_id, None)


class Handler(JSONHandler):
    def respond(self, method, url, query):
        path = url.path
        if path.startswith("/_admin/"):
            return self.admin(method, path[len("/_admin/"):])
        if self.headers.get("Authorization") != "Bearer " + LEDGER_TOKEN:
            return self.reply(401, {"error": {"type": "unauthorized", "message": "missing or wrong token"}})
        if method == "GET" and path == "/v1/accounts":
            return self.list_accounts(query)
        if method == "GET" and path.startswith("/v1/accounts/"):
            with lock:
                stats["gets"] += 1
            record = accounts.get(path[len("/v1/accounts/"):])
            if record is None:
                return self.reply(404, {"error": {"type": "not_found", "message": "no such account"}})
            return self.reply(200, record)
        if method in ("POST", "PATCH", "DELETE") and path.startswith("/v1/accounts"):
            return self.write(method, path[len("/v1/accounts"):].lstrip("/"))
        if method == "GET" and path == "/v1/events":
            since = float(query.get("created_gte", "0"))
            selected = [e for e in events if e["created"] >= since]
            return self.page(selected, query, key=lambda e: e["id"])
        self.reply(404, {"error": {"type": "not_found", "message": "no such route"}})

    def write(self, method, record_id):
        payload = self.body() if method != "DELETE" else {}
        if method != "DELETE" and not isinstance(payload, dict):
            return self.reply(400, {"error": {"type": "invalid_request", "message": "the body must be a JSON object"}})
        if settings["write_delay"]:
            time.sleep(settings["write_delay"])
        with lock:
            stamp = iso(max(time.time(), last_stamp[0] + 0.001))
            last_stamp[0] = parse_iso(stamp)
            if method == "POST" and not record_id:
                if "name" in payload and not isinstance(payload["name"], str):
                    return self.reply(400, {"error": {"type": "invalid_request", "message": "name must be a string"}})
                write_counter[0] += 1
                record = {k: v for k, v in payload.items() if v is not None}
                record.update(id="acc_w%06d" % write_counter[0], updated_at=stamp)
                accounts[record["id"]] = record
                stats["creates"] += 1
                changed([record["id"]])
                return self.reply(200, record)
            record = accounts.get(record_id)
            if record is None:
                return self.reply(404, {"error": {"type": "not_found", "message": "no such account"}})
            if method == "PATCH":
                expected = self.headers.get("If-Match")
                if expected is not None and expected != record["updated_at"]:
                    stats["preconditions_failed"] += 1
                    return self.reply(412, {"error": {"type": "precondition_failed", "message": "the account changed since " + expected}})
                if "name" in payload and not isinstance(payload["name"], (str, type(None))):
                    return self.reply(400, {"error": {"type": "invalid_request", "message": "name must be a string"}})
                for key, value in payload.items():
                    if key in ("id", "updated_at"):
                        continue
                    if value is None:
                        record.pop(key, None)
                    else:
                        record[key] = value
                record["updated_at"] = stamp
                stats["updates"] += 1
                changed([record_id])
                return self.reply(200, record)
            accounts.pop(record_id)
            events.append({"id": "evt_%06d" % (len(events) + 1), "type": "account.deleted", "created": int(time.time()),
                           "data": {"object": {"id": record_id}}})
            stats["deletes"] += 1
            changed([record_id])
            return self.reply(200, {"id": record_id, "deleted": True})

    def list_accounts(self, query):
        # How many listings overlap: one sync's runs never should, across every node.
        with lock:
            stats["in_flight"] += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
        try:
            return self.list_accounts_now(query)
        finally:
            with lock:
                stats["in_flight"] -= 1

    def list_accounts_now(self, query):
        with lock:
            stats["lists"] += 1
            if faults["count"] > 0 and faults["after"] > 0:
                faults["after"] -= 1
            elif faults["count"] > 0:
                faults["count"] -= 1
                stats["pages_failed"] += 1
                self.send_response(faults["status"])
                body = json.dumps({"error": {"type": "rate_limited", "message": "slow down"}}).encode()
                self.send_header("Retry-After", str(faults["retryAfter"]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            records, keys = ordered()
        if settings["delay"]:
            time.sleep(settings["delay"])
        limit = min(int(query.get("limit", "10")), 100)
        start = 0
        since = query.get("updated_since")
        if since:
            start = bisect.bisect_left(keys, (iso(parse_iso(since)), ""))
        after = query.get("after")
        if after:
            start = max(start, bisect.bisect_right(keys, tuple(json.loads(base64.urlsafe_b64decode(after.encode())))))
        chunk = records[start:start + limit]
        next_cursor = encode_cursor(chunk[-1]) if start + limit < len(records) and chunk else None
        body = ('{"data": [' + ", ".join(record_json(r) for r in chunk) + '], "next": ' + json.dumps(next_cursor) + "}").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def page(self, records, query, key):
        limit = min(int(query.get("limit", "10")), 100)
        after = query.get("after")
        if after:
            position = json.loads(base64.urlsafe_b64decode(after.encode()))
            position = tuple(position) if isinstance(position, list) else position
            records = [r for r in records if key(r) > position]
        chunk = records[:limit]
        more = len(records) > limit
        next_cursor = None
        if more:
            last = key(chunk[-1])
            next_cursor = base64.urlsafe_b64encode(json.dumps(list(last) if isinstance(last, tuple) else last).encode()).decode()
        self.reply(200, {"data": chunk, "next": next_cursor})

    def admin(self, method, action):
        if action == "stats":
            return self.reply(200, dict(stats, accounts=len(accounts)))
        if action == "accounts":
            with lock:
                return self.reply(200, {"data": sorted(accounts.values(), key=lambda r: r["id"])})
        payload = self.body()
        with lock:
            if action == "upsert":
                now = time.time()
                for record in payload["records"]:
                    stored = dict(accounts.get(record["id"], {}), **record)
                    stored.setdefault("updated_at", iso(now))
                    if "updated_at" not in record:
                        stored["updated_at"] = iso(now)
                    accounts[record["id"]] = stored
                changed([r["id"] for r in payload["records"]])
            elif action == "delete":
                for record_id in payload["ids"]:
                    # `silent`: the provider's change feed misses the deletion (only a full comparison finds it).
                    if accounts.pop(record_id, None) is not None and not payload.get("silent"):
                        events.append({"id": "evt_%06d" % (len(events) + 1), "type": "account.deleted", "created": int(time.time()),
                                       "data": {"object": {"id": record_id}}})
                changed(payload["ids"])
            elif action == "generate":
                stamp = payload.get("updated_at") or iso(time.time())
                filler = "x" * max(payload.get("bytes", 1000) - 120, 0)
                for index in range(payload["count"]):
                    record_id = "acc_%07d" % (index + 1)
                    accounts[record_id] = {"id": record_id, "name": "Account %d" % (index + 1), "balance": index,
                                           "notes": filler, "updated_at": stamp}
                changed()
            elif action == "faults":
                faults.update(status=payload.get("status", 429), count=payload.get("count", 1), retryAfter=payload.get("retryAfter", 0),
                              after=payload.get("after", 0))
            elif action == "delay":
                settings["delay"] = float(payload.get("seconds", 0))
            elif action == "write_delay":
                settings["write_delay"] = float(payload.get("seconds", 0))
            else:
                return self.reply(404, {"error": "no such control"})
            sorted_cache["keys"] = None
        self.reply(200, {"ok": True, "accounts": len(accounts)})


serve(Handler)
