"""A Salesforce REST API fixture written from Salesforce's documents, on a free loopback port; prints
`listening <port>`. Follows the REST API Developer Guide (query and queryMore with nextRecordsUrl, sObject
rows, sObject get-deleted / get-updated, sObject Collections create) and the Bulk API 2.0 Developer Guide
(ingest jobs: create, upload CSV, UploadComplete, poll, successfulResults / failedResults):
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/

Auth is a bearer access token (the JWT bearer endpoint in jwt_token_endpoint.py issues it with this server as
instance_url); errors are Salesforce's list shape [{"message", "errorCode", "fields"}]; every answer carries
Sforce-Limit-Info. Query pages hold the batch size from Sforce-Query-Options (200 to 2,000, default 2,000).
GET /_requests lists what was received.
"""
import csv
import io
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus

from fixture_http import JSONHandler, serve

TOKEN = "00Dxx0000000000!AQ0AQ.test"
PREFIX = {"Account": "001", "Contact": "003", "Lead": "00Q", "Opportunity": "006", "Case": "500"}
REQUIRED = {"Account": ["Name"], "Contact": ["LastName"], "Lead": ["LastName", "Company"], "Opportunity": ["Name"], "Case": []}
lock = threading.Lock()
records = {}      # id -> record (without attributes)
deleted = []      # (type, id, datetime)
cursors = {}      # locator -> list of ids
jobs = {}
counter = [0]
usage = [0]


def stamp(moment=None):
    moment = moment or datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (moment.microsecond // 1000)


def parse_time(text):
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


def new_id(kind):
    with lock:
        counter[0] += 1
        return PREFIX[kind] + "%012d" % counter[0] + "AAA"


def error(message, code, fields=None):
    return [{"message": message, "errorCode": code, "fields": fields or []}]


def create(kind, fields):
    missing = [f for f in REQUIRED[kind] if not fields.get(f)]
    if missing:
        return None, error("Required fields are missing: [%s]" % ", ".join(missing), "REQUIRED_FIELD_MISSING", missing)
    unknown = [f for f in fields if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", f)]
    if unknown:
        return None, error("No such column '%s' on sobject of type %s" % (unknown[0], kind), "INVALID_FIELD", unknown)
    record_id = new_id(kind)
    now = stamp()
    records[record_id] = dict(fields, Id=record_id, type=kind, CreatedDate=now, LastModifiedDate=now, SystemModstamp=now)
    return record_id, None


def exported(record):
    body = {k: v for k, v in record.items() if k != "type"}
    body["attributes"] = {"type": record["type"], "url": "/services/data/v62.0/sobjects/%s/%s" % (record["type"], record["Id"])}
    return body


class Handler(JSONHandler):
    def reply_headers(self):
        with lock:
            usage[0] += 1
            return {"Sforce-Limit-Info": "api-usage=%d/15000" % usage[0]}

    def respond(self, method, url, query):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(401, error("Session expired or invalid", "INVALID_SESSION_ID"))
        match = re.match(r"^/services/data/v(\d+\.0)(/.*)$", url.path)
        if not match:
            return self.reply(404, error("The requested resource does not exist", "NOT_FOUND"))
        path = match.group(2)
        try:
            return self.route(method, path, query, url.query)
        except Exception as failure:  # noqa: BLE001 - a fixture bug should be visible, not a hang
            return self.reply(500, error(str(failure), "UNKNOWN_EXCEPTION"))

    def route(self, method, path, query, raw_query):
        if path == "/limits" and method == "GET":
            return self.reply(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 15000 - usage[0]}})
        if path == "/query" and method == "GET":
            return self.query(unquote_plus(re.search(r"(?:^|&)q=([^&]*)", raw_query).group(1)))
        if path.startswith("/query/") and method == "GET":
            return self.page(path[len("/query/"):])
        if path == "/composite/sobjects" and method == "POST":
            return self.composite(self.body())
        if path.startswith("/jobs/ingest"):
            return self.bulk(method, path[len("/jobs/ingest"):])
        match = re.match(r"^/sobjects/(\w+)(?:/(\w+))?/?$", path)
        if not match or match.group(1) not in PREFIX:
            return self.reply(404, error("The requested resource does not exist", "NOT_FOUND"))
        kind, rest = match.group(1), match.group(2)
        if rest in ("deleted", "updated") and method == "GET":
            start, end = parse_time(query["start"]), parse_time(query["end"])
            if rest == "deleted":
                found = [{"id": i, "deletedDate": stamp(at)} for (k, i, at) in deleted if k == kind and start <= at <= end]
                return self.reply(200, {"deletedRecords": found, "earliestDateAvailable": stamp(start - timedelta(days=15)),
                                        "latestDateCovered": stamp(end)})
            ids = [r["Id"] for r in records.values() if r["type"] == kind and start <= parse_time(r["SystemModstamp"]) <= end]
            return self.reply(200, {"ids": ids, "latestDateCovered": stamp(end)})
        if rest is None and method == "POST":
            record_id, problem = create(kind, self.body())
            return self.reply(400, problem) if problem else self.reply(201, {"id": record_id, "success": True, "errors": []})
        record = records.get(rest)
        if record is None or record["type"] != kind:
            return self.reply(404, error("The requested resource does not exist", "NOT_FOUND"))
        if method == "GET":
            return self.reply(200, exported(record))
        if method == "PATCH":
            changes = self.body()
            bad = [f for f in changes if f in ("Id", "SystemModstamp", "CreatedDate")]
            if bad:
                return self.reply(400, error("Unable to create/update fields: %s" % ", ".join(bad), "INVALID_FIELD_FOR_INSERT_UPDATE", bad))
            record.update(changes)
            record["LastModifiedDate"] = record["SystemModstamp"] = stamp()
            return self.reply(204)
        if method == "DELETE":
            del records[rest]
            deleted.append((kind, rest, datetime.now(timezone.utc)))
            return self.reply(204)
        return self.reply(405, error("HTTP Method '%s' not allowed" % method, "METHOD_NOT_ALLOWED"))

    def query(self, soql):
        match = re.match(r"^SELECT (.+) FROM (\w+)(?: WHERE SystemModstamp >= (\S+))? ORDER BY SystemModstamp ASC, Id ASC$", soql)
        if not match or match.group(2) not in PREFIX:
            return self.reply(400, error("unexpected token in: " + soql, "MALFORMED_QUERY"))
        fields, kind, since = match.group(1), match.group(2), match.group(3)
        found = [r for r in records.values() if r["type"] == kind]
        if since:
            found = [r for r in found if parse_time(r["SystemModstamp"]) >= parse_time(since)]
        found.sort(key=lambda r: (r["SystemModstamp"], r["Id"]))
        locator = "01g%06d" % len(cursors)
        cursors[locator] = ([r["Id"] for r in found], None if fields.strip() == "FIELDS(STANDARD)" else [f.strip() for f in fields.split(",")])
        return self.page("%s-0" % locator)

    def page(self, position):
        locator, offset = position.rsplit("-", 1)
        ids, fields = cursors[locator]
        options = self.headers.get("Sforce-Query-Options", "")
        size = int(re.search(r"batchSize=(\d+)", options).group(1)) if "batchSize" in options else 2000
        size = max(200, min(size, 2000))
        start = int(offset)
        chosen = [records[i] for i in ids[start:start + size] if i in records]
        rows = [exported(r) if fields is None else dict({f: r.get(f) for f in fields}, attributes=exported(r)["attributes"]) for r in chosen]
        body = {"totalSize": len(ids), "done": start + size >= len(ids), "records": rows}
        if not body["done"]:
            body["nextRecordsUrl"] = "/services/data/v62.0/query/%s-%d" % (locator, start + size)
        return self.reply(200, body)

    def composite(self, payload):
        items = payload.get("records", [])
        if len(items) > 200:
            return self.reply(400, error("EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than 200 records", "EXCEEDED_ID_LIMIT"))
        results = []
        for item in items:
            fields = {k: v for k, v in item.items() if k != "attributes"}
            record_id, problem = create(item.get("attributes", {}).get("type", ""), fields)
            if problem:
                results.append({"success": False, "errors": [{"statusCode": problem[0]["errorCode"], "message": problem[0]["message"],
                                                               "fields": problem[0]["fields"]}]})
            else:
                results.append({"id": record_id, "success": True, "errors": []})
        return self.reply(200, results)

    def bulk(self, method, rest):
        if rest == "" and method == "POST":
            spec = self.body()
            if spec.get("operation") != "insert" or spec.get("object") not in PREFIX or spec.get("contentType") != "CSV":
                return self.reply(400, error("InvalidJob: unsupported job", "INVALIDJOB"))
            job_id = "750" + "%012d" % (len(jobs) + 1) + "AAA"
            jobs[job_id] = {"id": job_id, "operation": "insert", "object": spec["object"], "state": "Open", "contentType": "CSV",
                            "lineEnding": spec.get("lineEnding", "LF"), "columnDelimiter": "COMMA", "polls": 0, "rows": [],
                            "contentUrl": "services/data/v62.0/jobs/ingest/%s/batches" % job_id}
            return self.reply(200, {k: v for k, v in jobs[job_id].items() if k not in ("polls", "rows")})
        match = re.match(r"^/(\w+)(/batches|/successfulResults/|/failedResults/)?$", rest)
        job = jobs.get(match.group(1)) if match else None
        if job is None:
            return self.reply(404, error("Job not found", "NOT_FOUND"))
        part = match.group(2)
        if part == "/batches" and method == "PUT":
            if job["state"] != "Open" or "text/csv" not in (self.headers.get("Content-Type") or ""):
                return self.reply(400, error("InvalidBatch: upload to an open job as text/csv", "INVALIDBATCH"))
            job["rows"] += list(csv.DictReader(io.StringIO(self.raw_body().decode())))
            return self.reply(201)
        if part is None and method == "PATCH":
            if self.body().get("state") != "UploadComplete":
                return self.reply(400, error("InvalidJobState", "INVALIDJOBSTATE"))
            job["state"] = "UploadComplete"
            return self.reply(200, {k: v for k, v in job.items() if k not in ("polls", "rows")})
        if part is None and method == "GET":
            job["polls"] += 1
            if job["state"] == "UploadComplete":
                job["state"] = "InProgress"
            elif job["state"] == "InProgress":
                job["ok"], job["failed"] = [], []
                for row in job["rows"]:
                    fields = {k: v for k, v in row.items() if v != ""}
                    record_id, problem = create(job["object"], fields)
                    (job["failed"] if problem else job["ok"]).append((record_id, problem, row))
                job["state"] = "JobComplete"
            summary = {k: v for k, v in job.items() if k not in ("polls", "rows", "ok", "failed")}
            summary["numberRecordsProcessed"] = len(job.get("ok", [])) + len(job.get("failed", []))
            summary["numberRecordsFailed"] = len(job.get("failed", []))
            return self.reply(200, summary)
        if part in ("/successfulResults/", "/failedResults/") and method == "GET":
            if job["state"] != "JobComplete":
                return self.reply(400, error("InvalidJobState: the job is not complete", "INVALIDJOBSTATE"))
            out = io.StringIO()
            columns = list(job["rows"][0].keys()) if job["rows"] else []
            writer = csv.writer(out, lineterminator="\n")
            if part == "/successfulResults/":
                writer.writerow(["sf__Id", "sf__Created"] + columns)
                for record_id, _, row in job["ok"]:
                    writer.writerow([record_id, "true"] + [row[c] for c in columns])
            else:
                writer.writerow(["sf__Id", "sf__Error"] + columns)
                for _, problem, row in job["failed"]:
                    writer.writerow(["", "%s:%s" % (problem[0]["errorCode"], problem[0]["message"])] + [row[c] for c in columns])
            return self.reply(200, out.getvalue(), content_type="text/csv")
        return self.reply(405, error("method not allowed", "METHOD_NOT_ALLOWED"))


serve(Handler)
