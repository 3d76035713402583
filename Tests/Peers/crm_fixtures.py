"""Fixture servers for REST APIs with no local implementation, written from their public documents (request and
response shapes, pagination, errors), on one free loopback port; prints `listening <port>`.

HubSpot CRM v3 objects, per https://developers.hubspot.com/docs/api/crm/contacts and .../crm/companies:
  GET/POST /crm/v3/objects/{contacts|companies}, GET/PATCH/DELETE /crm/v3/objects/{type}/{id}
  bearer auth (a private app token); records {id, properties, createdAt, updatedAt, archived}; lists
  `limit` (max 100) / `after`, `paging.next.after` on all but the last page; writes {"properties": {...}};
  DELETE archives (204) and `archived=true` lists archived records; errors
  {"status": "error", "message", "correlationId", "category"} (401 INVALID_AUTHENTICATION, 404 OBJECT_NOT_FOUND,
  400 VALIDATION_ERROR, 409 CONFLICT for a duplicate contact email).

ERPNext (Frappe REST), per https://frappeframework.com/docs/user/en/api/rest:
  GET/POST /api/resource/{DocType}, GET/PUT/DELETE /api/resource/{DocType}/{name}
  `Authorization: token key:secret` or Basic base64(key:secret); bodies {"data": ...}; lists `fields`,
  `filters` (JSON list of [field, op, value]), `order_by`, `limit_start`, `limit_page_length`; errors
  {"exc_type", "exception"} with Frappe's statuses (401 AuthenticationError, 404 DoesNotExistError,
  417 ValidationError, 409 DuplicateEntryError).

GET /_requests returns what was received (method, path, query, headers) so tests can check the calls.
"""
import base64
import json
import threading
import uuid
from datetime import datetime, timezone
from urllib.parse import unquote

from fixture_http import JSONHandler, serve

HUBSPOT_TOKEN = "pat-na1-fixture-token"
ERP_KEY, ERP_SECRET = "erp_key", "erp_secret"
lock = threading.Lock()
hubspot = {"contacts": {}, "companies": {}}
erp = {"Customer": {}, "Item": {}, "Sales Invoice": {}}
counter = [100]


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_frappe():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


class Handler(JSONHandler):
    def respond(self, method, url, query):
        if url.path.startswith("/crm/v3/objects/"):
            return self.hubspot(method, url.path[len("/crm/v3/objects/"):].split("/"), query)
        if url.path.startswith("/api/resource/"):
            return self.erpnext(method, [unquote(p) for p in url.path[len("/api/resource/"):].split("/")], query)
        self.reply(404, {"message": "no such route"})

    # HubSpot

    def hubspot_error(self, status, category, message):
        self.reply(status, {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category})

    def hubspot(self, method, parts, query):
        if self.headers.get("Authorization") != "Bearer " + HUBSPOT_TOKEN:
            return self.hubspot_error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        kind = parts[0]
        if kind not in hubspot:
            return self.hubspot_error(404, "OBJECT_NOT_FOUND", "Unknown object type " + kind)
        store = hubspot[kind]
        if len(parts) == 1 and method == "GET":
            limit = int(query.get("limit", "10"))
            if limit > 100:
                return self.hubspot_error(400, "VALIDATION_ERROR", "limit must be 100 or less")
            archived = query.get("archived") == "true"
            ids = sorted((i for i, r in store.items() if r["archived"] == archived), key=int)
            after = query.get("after")
            start = ids.index(after) + 1 if after in ids else 0
            page = ids[start:start + limit]
            body = {"results": [store[i] for i in page]}
            if start + limit < len(ids):
                body["paging"] = {"next": {"after": page[-1], "link": "?after=" + page[-1]}}
            return self.reply(200, body)
        if len(parts) == 1 and method == "POST":
            payload = self.body()
            if not isinstance(payload.get("properties"), dict):
                return self.hubspot_error(400, "VALIDATION_ERROR", "Invalid input JSON: properties is required")
            email = payload["properties"].get("email")
            if kind == "contacts" and email:
                for existing in store.values():
                    if existing["properties"].get("email") == email and not existing["archived"]:
                        return self.hubspot_error(409, "CONFLICT", "Contact already exists. Existing ID: " + existing["id"])
            with lock:
                counter[0] += 1
                record_id = str(counter[0])
            stamp = now_iso()
            properties = dict(payload["properties"], hs_object_id=record_id, createdate=stamp, lastmodifieddate=stamp)
            store[record_id] = {"id": record_id, "properties": properties, "createdAt": stamp, "updatedAt": stamp, "archived": False}
            return self.reply(201, store[record_id])
        record = store.get(parts[1]) if len(parts) == 2 else None
        if record is None or (record["archived"] and method != "GET"):
            return self.hubspot_error(404, "OBJECT_NOT_FOUND", "resource not found")
        if method == "GET":
            return self.reply(200, record)
        if method == "PATCH":
            payload = self.body()
            if not isinstance(payload.get("properties"), dict):
                return self.hubspot_error(400, "VALIDATION_ERROR", "Invalid input JSON: properties is required")
            record["properties"].update(payload["properties"])
            record["updatedAt"] = record["properties"]["lastmodifieddate"] = now_iso()
            return self.reply(200, record)
        if method == "DELETE":
            record["archived"] = True
            return self.reply(204)
        self.hubspot_error(405, "METHOD_NOT_ALLOWED", "method not allowed")

    # ERPNext

    def frappe_error(self, status, kind, message):
        self.reply(status, {"exc_type": kind, "exception": "frappe.exceptions.%s: %s" % (kind, message)})

    def erpnext(self, method, parts, query):
        authorization = self.headers.get("Authorization") or ""
        basic = "Basic " + base64.b64encode(("%s:%s" % (ERP_KEY, ERP_SECRET)).encode()).decode()
        if authorization not in (basic, "token %s:%s" % (ERP_KEY, ERP_SECRET)):
            return self.frappe_error(401, "AuthenticationError", "Invalid credentials")
        doctype = parts[0]
        if doctype not in erp:
            return self.frappe_error(404, "DoesNotExistError", "DocType %s not found" % doctype)
        store = erp[doctype]
        if len(parts) == 1 and method == "GET":
            start = int(query.get("limit_start", "0"))
            length = int(query.get("limit_page_length", "20"))
            docs = list(store.values())
            for field, op, value in json.loads(query.get("filters", "[]")):
                if op not in (">", ">=", "<", "<=", "="):
                    return self.frappe_error(417, "ValidationError", "Operator %s is not supported" % op)
                docs = [d for d in docs if {">": str(d.get(field, "")) > value, ">=": str(d.get(field, "")) >= value,
                                            "<": str(d.get(field, "")) < value, "<=": str(d.get(field, "")) <= value,
                                            "=": str(d.get(field, "")) == value}[op]]
            docs.sort(key=lambda d: d["modified"])
            return self.reply(200, {"data": docs[start:start + length]})
        if len(parts) == 1 and method == "POST":
            payload = self.body()
            if doctype == "Customer" and not payload.get("customer_name"):
                return self.frappe_error(417, "ValidationError", "Customer Name is mandatory")
            name = payload.get("customer_name") or payload.get("item_code") or ("ACC-SINV-%d" % len(store))
            if name in store:
                return self.frappe_error(409, "DuplicateEntryError", "%s %s already exists" % (doctype, name))
            stamp = now_frappe()
            store[name] = dict(payload, name=name, doctype=doctype, creation=stamp, modified=stamp, docstatus=0)
            return self.reply(200, {"data": store[name]})
        doc = store.get(parts[1]) if len(parts) == 2 else None
        if doc is None:
            return self.frappe_error(404, "DoesNotExistError", "%s %s not found" % (doctype, parts[1] if len(parts) > 1 else ""))
        if method == "GET":
            return self.reply(200, {"data": doc})
        if method == "PUT":
            doc.update(self.body())
            doc["modified"] = now_frappe()
            return self.reply(200, {"data": doc})
        if method == "DELETE":
            del store[parts[1]]
            return self.reply(202, {"message": "ok"})
        self.frappe_error(405, "ValidationError", "method not allowed")


serve(Handler)
