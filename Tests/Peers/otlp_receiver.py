"""An OTLP/HTTP trace receiver on loopback, decoding what Junction exports with the OpenTelemetry project's own
generated protobuf classes (`opentelemetry-proto`), so a malformed export fails here as it would at a collector.

Implements the receiving side of the OTLP/HTTP specification
(https://opentelemetry.io/docs/specs/otlp/#otlphttp): `POST /v1/traces` with an `ExportTraceServiceRequest` as
`application/x-protobuf` (or its JSON mapping as `application/json`), answered 200 with an
`ExportTraceServiceResponse` in the same encoding.

Routes:
  POST /v1/traces   an export; its spans are kept
  GET  /spans       every span received: {"traceId", "spanId", "parentSpanId", "name", "kind", "service",
                    "attributes", "links": [{"traceId", "spanId"}], "status"}
Prints `listening <port>` once ready; listens on 127.0.0.1 only.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span

LOCK = threading.Lock()
SPANS = []


def value_of(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def flatten(request):
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: value_of(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "traceId": span.trace_id.hex(),
                    "spanId": span.span_id.hex(),
                    "parentSpanId": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": Span.SpanKind.Name(span.kind),
                    "service": resource.get("service.name"),
                    "attributes": {a.key: value_of(a.value) for a in span.attributes},
                    "links": [{"traceId": link.trace_id.hex(), "spanId": link.span_id.hex()} for link in span.links],
                    "status": span.status.code,
                })
    return spans


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/v1/traces":
            return self.answer(404, b"not found", "text/plain")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        content_type = self.headers.get("Content-Type", "")
        request = ExportTraceServiceRequest()
        try:
            if content_type.startswith("application/json"):
                json_format.Parse(body, request)
            else:
                request.ParseFromString(body)
        except Exception as error:  # a collector answers 400 to a body it cannot decode
            return self.answer(400, str(error).encode(), "text/plain")
        with LOCK:
            SPANS.extend(flatten(request))
        response = ExportTraceServiceResponse()
        if content_type.startswith("application/json"):
            return self.answer(200, json_format.MessageToJson(response).encode(), "application/json")
        self.answer(200, response.SerializeToString(), "application/x-protobuf")

    def do_GET(self):
        if self.path != "/spans":
            return self.answer(404, b'{"error": "not found"}', "application/json")
        with LOCK:
            data = json.dumps(SPANS).encode()
        self.answer(200, data, "application/json")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening {server.server_port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
