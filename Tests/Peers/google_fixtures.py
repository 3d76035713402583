"""Google Calendar v3 and Sheets v4 fixtures written from Google's documents, on one free loopback port; prints
`listening <port>`.

Calendar (https://developers.google.com/calendar/api/v3/reference/events and .../guides/sync):
  GET/POST /calendar/v3/calendars/{calendarId}/events, GET/PATCH/DELETE .../events/{eventId}
  lists page with maxResults / pageToken -> nextPageToken; the last page of a listing carries nextSyncToken;
  a listing with syncToken returns what changed since, deleted events included with status "cancelled"; an
  unknown or expired sync token answers 410 with reason fullSyncRequired. updatedMin (+ showDeleted) filters by
  the `updated` time. POST /_calendar/expire invalidates every sync token handed out (as Google does after a while).
Sheets (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values):
  GET /v4/spreadsheets/{id}/values/{range} with ranges like Sheet1!2:5 -> {"range", "majorDimension", "values"}
  (empty trailing rows left out); POST /v4/spreadsheets/{id}/values/{range}:append?valueInputOption=...
  -> {"spreadsheetId", "tableRange", "updates": {"updatedRange", "updatedRows", ...}}; valueInputOption is required.
Cloud Storage object listing (https://cloud.google.com/storage/docs/json_api/v1/objects/list), which
gcp-storage-emulator does not page: GET /storage/v1/b/{bucket}/o with maxResults / pageToken -> {"kind":
"storage#objects", "items", "nextPageToken"} over five fixed objects.
Calendar push notifications (https://developers.google.com/calendar/api/guides/push and .../v3/reference/channels):
  POST .../calendars/{calendarId}/events/watch {"id", "type": "web_hook", "address", "token"} opens a channel and
  answers {"kind": "api#channel", "id", "resourceId", "resourceUri", "token", "expiration" (ms, as text)}; it then
  posts a `sync` notification, and an `exists` one after every change, to the address with the X-Goog-Channel-ID,
  -Token, -Expiration, X-Goog-Resource-ID, -URI, -State and X-Goog-Message-Number headers and no body.
  POST /calendar/v3/channels/stop {"id", "resourceId"} stops one (404 for an unknown one). Test controls:
  GET /_calendar/channels lists the open channels; POST /_calendar/channel-ttl {"seconds"} sets new channels' lifetime.
All need a bearer access token from the service-account token endpoint (ya29.*); errors have Google's shape
{"error": {"code", "message", "status", "errors": [{"reason"}]}}.
"""
import json
import re
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from urllib.parse import unquote

from fixture_http import JSONHandler, serve

lock = threading.Lock()
events = {}        # id -> event
changes = []       # (sequence, id): every create, update and delete in order
sync_tokens = {}   # token -> sequence it was issued at
sheets = {"sheet-1": {"Sheet1": [["Name", "Email", "Plan"]]}}
sequence = [0]
channels = {}      # id -> {"address", "token", "resourceId", "expiration", "number"}
channel_ttl = [7 * 86400]


def notify(channel_id, state):
    """Posts a notification to a channel's address, as Google does: headers only, on its own thread."""
    channel = channels.get(channel_id)
    if channel is None:
        return
    channel["number"] += 1
    headers = {"X-Goog-Channel-ID": channel_id, "X-Goog-Channel-Token": channel["token"],
               "X-Goog-Channel-Expiration": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(channel["expiration"] / 1000)),
               "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-URI": channel["resourceUri"],
               "X-Goog-Resource-State": state, "X-Goog-Message-Number": str(channel["number"]), "Content-Length": "0"}

    def send():
        try:
            urllib.request.urlopen(urllib.request.Request(channel["address"], data=b"", headers=headers, method="POST"), timeout=5).read()
        except Exception:
            pass  # Google retries with backoff; a test that needs the notification waits for it

    threading.Thread(target=send, daemon=True).start()


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def google_error(code, status, message, reason):
    return {"error": {"code": code, "message": message, "status": status, "errors": [{"domain": "global", "reason": reason, "message": message}]}}


class Handler(JSONHandler):
    def respond(self, method, url, query):
        if url.path == "/_calendar/channels" and method == "GET":
            return self.reply(200, {"channels": [dict(c, id=i) for i, c in channels.items()]})
        if url.path == "/_calendar/channel-ttl" and method == "POST":
            channel_ttl[0] = int(self.body()["seconds"])
            return self.reply(204)
        if url.path == "/_calendar/expire" and method == "POST":
            with lock:
                sync_tokens.clear()
            return self.reply(204)
        if not (self.headers.get("Authorization") or "").startswith("Bearer ya29."):
            return self.reply(401, google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", "authError"))
        match = re.match(r"^/calendar/v3/calendars/([^/]+)/events/watch$", url.path)
        if match and method == "POST":
            request = self.body()
            if request.get("type") != "web_hook" or not request.get("id") or not str(request.get("address", "")).startswith("http"):
                return self.reply(400, google_error(400, "INVALID_ARGUMENT", "Invalid channel.", "invalid"))
            with lock:
                resource_id = uuid.uuid4().hex
                expiration = int((time.time() + channel_ttl[0]) * 1000)
                uri = "https://www.googleapis.com/calendar/v3/calendars/%s/events" % match.group(1)
                channels[request["id"]] = {"address": request["address"], "token": request.get("token", ""), "resourceId": resource_id,
                                           "resourceUri": uri, "expiration": expiration, "number": 0}
            self.reply(200, {"kind": "api#channel", "id": request["id"], "resourceId": resource_id, "resourceUri": uri,
                             "token": request.get("token", ""), "expiration": str(expiration)})
            return notify(request["id"], "sync")
        if url.path == "/calendar/v3/channels/stop" and method == "POST":
            request = self.body()
            with lock:
                channel = channels.get(request.get("id"))
                if channel is None or channel["resourceId"] != request.get("resourceId"):
                    return self.reply(404, google_error(404, "NOT_FOUND", "Channel not found", "notFound"))
                del channels[request["id"]]
            return self.reply(204)
        match = re.match(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$", url.path)
        if match:
            with lock:
                return self.calendar(method, unquote(match.group(1)), match.group(2) and unquote(match.group(2)), query)
        match = re.match(r"^/storage/v1/b/([^/]+)/o$", url.path)
        if match and method == "GET":
            names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
            size = int(query.get("maxResults", "1000"))
            start = int(query.get("pageToken", "0"))
            body = {"kind": "storage#objects", "items": [{"kind": "storage#object", "bucket": match.group(1), "name": n, "size": "1"}
                                                         for n in names[start:start + size]]}
            if start + size < len(names):
                body["nextPageToken"] = str(start + size)
            return self.reply(200, body)
        match = re.match(r"^/v4/spreadsheets/([^/]+)/values/([^/]+?)(:append)?$", url.path)
        if match:
            with lock:
                return self.values(method, unquote(match.group(1)), unquote(match.group(2)), bool(match.group(3)), query)
        self.reply(404, google_error(404, "NOT_FOUND", "Not Found", "notFound"))

    # Calendar

    def record_change(self, event_id):
        sequence[0] += 1
        changes.append((sequence[0], event_id))
        for channel_id in list(channels):
            notify(channel_id, "exists")

    def calendar(self, method, calendar, event_id, query):
        if calendar != "primary" and not calendar.endswith("@group.calendar.google.com"):
            return self.reply(404, google_error(404, "NOT_FOUND", "Not Found", "notFound"))
        if event_id is None and method == "GET":
            return self.list_events(query)
        if event_id is None and method == "POST":
            event = self.body()
            if "start" not in event or "end" not in event:
                return self.reply(400, google_error(400, "INVALID_ARGUMENT", "Missing end time.", "required"))
            new_id = uuid.uuid4().hex[:26]
            events[new_id] = dict(event, id=new_id, kind="calendar#event", status="confirmed", created=now(), updated=now(),
                                  etag='"%d"' % (sequence[0] + 1))
            self.record_change(new_id)
            return self.reply(200, events[new_id])
        event = events.get(event_id)
        if event is None or (event["status"] == "cancelled" and method != "GET"):
            return self.reply(404, google_error(404, "NOT_FOUND", "Not Found", "notFound"))
        if method == "GET":
            return self.reply(200, event)
        if method == "PATCH":
            event.update(self.body())
            event["updated"] = now()
            self.record_change(event_id)
            return self.reply(200, event)
        if method == "DELETE":
            event["status"] = "cancelled"
            event["updated"] = now()
            self.record_change(event_id)
            return self.reply(204)
        return self.reply(405, google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed", "methodNotAllowed"))

    def list_events(self, query):
        size = min(int(query.get("maxResults", "250")), 2500)
        if "pageToken" in query:
            state = json.loads(query["pageToken"])
            ids, offset, issued = state["ids"], state["offset"], state["issued"]
        else:
            if "syncToken" in query:
                if query["syncToken"] not in sync_tokens:
                    return self.reply(410, google_error(410, "GONE", "Sync token is no longer valid, a full sync is required.",
                                                        "fullSyncRequired"))
                since = sync_tokens[query["syncToken"]]
                ids = list(dict.fromkeys(i for (s, i) in changes if s > since))
            else:
                show_deleted = query.get("showDeleted") == "true"
                ids = [i for i, e in events.items() if show_deleted or e["status"] != "cancelled"]
                if "updatedMin" in query:
                    ids = [i for i in ids if events[i]["updated"] >= query["updatedMin"].replace("+00:00", "Z")]
            offset, issued = 0, sequence[0]
        page = ids[offset:offset + size]
        body = {"kind": "calendar#events", "summary": "primary", "items": [events[i] for i in page]}
        if offset + size < len(ids):
            body["nextPageToken"] = json.dumps({"ids": ids, "offset": offset + size, "issued": issued})
        else:
            token = "sync-" + uuid.uuid4().hex
            sync_tokens[token] = issued
            body["nextSyncToken"] = token
        return self.reply(200, body)

    # Sheets

    def values(self, method, spreadsheet, a1, append, query):
        book = sheets.get(spreadsheet)
        if book is None:
            return self.reply(404, google_error(404, "NOT_FOUND", "Requested entity was not found.", "notFound"))
        match = re.match(r"^(?:'((?:[^']|'')+)'|([A-Za-z0-9_]+))!(?:([A-Z]+)?(\d+)(?::([A-Z]+)?(\d+))?)$", a1)
        if not match:
            return self.reply(400, google_error(400, "INVALID_ARGUMENT", "Unable to parse range: " + a1, "badRequest"))
        title = (match.group(1) or "").replace("''", "'") or match.group(2)
        rows = book.get(title)
        if rows is None:
            return self.reply(400, google_error(400, "INVALID_ARGUMENT", "Unable to parse range: " + a1, "badRequest"))
        if append:
            if method != "POST":
                return self.reply(405, google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed", "methodNotAllowed"))
            if query.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
                return self.reply(400, google_error(400, "INVALID_ARGUMENT", "'valueInputOption' is required but not specified", "badRequest"))
            added = self.body().get("values", [])
            start = len(rows) + 1
            rows.extend([[str(v) for v in row] for row in added])
            width = max(len(r) for r in added) if added else 0
            last_column = chr(ord("A") + max(width, 1) - 1)
            updated = "%s!A%d:%s%d" % (title, start, last_column, start + len(added) - 1)
            return self.reply(200, {"spreadsheetId": spreadsheet, "tableRange": "%s!A1:%s%d" % (title, last_column, start - 1),
                                    "updates": {"spreadsheetId": spreadsheet, "updatedRange": updated, "updatedRows": len(added),
                                                "updatedColumns": width, "updatedCells": width * len(added)}})
        if method != "GET":
            return self.reply(405, google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed", "methodNotAllowed"))
        first = int(match.group(4))
        last = int(match.group(6) or first)
        chosen = rows[first - 1:last]
        while chosen and not chosen[-1]:
            chosen.pop()
        body = {"range": "%s!A%d:Z%d" % (title, first, last), "majorDimension": "ROWS"}
        if chosen:
            body["values"] = chosen
        return self.reply(200, body)


serve(Handler)
