"""A receiver of Junction's outbound webhooks that verifies every delivery with the reference libraries,
`standardwebhooks` and `svix`, and answers with failures first when told to. Also signs test payloads with the
official `stripe` package's helper, so inbound verification is checked against Stripe's own code.

Routes:
  POST /configure          {"secret": "whsec_…", "failFirst": N, "failStatus": 500, "retryAfter": null}
  POST /hooks/<name>       a delivery: verified by both libraries, then failed (the first N) or accepted
  GET  /deliveries         every delivery received: {"name", "id", "verified", "svixVerified", "status", "at", "body",
                           "traceparent"}
  POST /sign/stripe        {"payload": "...", "secret": "whsec_…", "timestamp": 123} -> {"header": "t=…,v1=…"}
Prints `listening <port>` once ready; listens on 127.0.0.1 only.
"""
import json
import logging
import sys
import threading
import time

import standardwebhooks
import stripe
import svix.webhooks
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

logging.getLogger("werkzeug").setLevel(logging.ERROR)
app = Flask(__name__)
lock = threading.Lock()
state = {"secrets": [], "failFirst": 0, "failStatus": 500, "retryAfter": None, "deliveries": []}


@app.post("/configure")
def configure():
    body = request.get_json(force=True)
    with lock:
        secret = body.get("secret")
        state["secrets"] = body.get("secrets") or ([secret] if secret else [])
        state["failFirst"] = int(body.get("failFirst", 0))
        state["failStatus"] = int(body.get("failStatus", 500))
        state["retryAfter"] = body.get("retryAfter")
        state["deliveries"] = []
    return jsonify({"ok": True})


def verify_all(secrets, payload, headers):
    """True when every configured secret verifies the delivery with the library."""
    if not secrets:
        return False
    for secret in secrets:
        try:
            standardwebhooks.Webhook(secret).verify(payload, headers)
        except Exception:
            return False
    return True


def svix_verify_all(secrets, payload, headers):
    if not secrets:
        return False
    svix_headers = {
        "svix-id": headers.get("webhook-id", ""),
        "svix-timestamp": headers.get("webhook-timestamp", ""),
        "svix-signature": headers.get("webhook-signature", ""),
    }
    for secret in secrets:
        try:
            svix.webhooks.Webhook(secret).verify(payload, svix_headers)
        except Exception:
            return False
    return True


@app.post("/hooks/<name>")
def hook(name):
    payload = request.get_data(as_text=True)
    headers = {k.lower(): v for k, v in request.headers.items()}
    with lock:
        secrets = list(state["secrets"])
        failing = len([d for d in state["deliveries"] if d["name"] == name]) < state["failFirst"]
        status = state["failStatus"] if failing else 200
        retry_after = state["retryAfter"]
        entry = {
            "name": name,
            "id": headers.get("webhook-id"),
            "verified": verify_all(secrets, payload, headers),
            "svixVerified": svix_verify_all(secrets, payload, headers),
            "signatures": len(headers.get("webhook-signature", "").split()),
            "status": status,
            "at": time.time(),
            "body": payload,
            "traceparent": headers.get("traceparent"),
        }
        state["deliveries"].append(entry)
    response = jsonify({"accepted": status < 300})
    response.status_code = status
    if failing and retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@app.get("/deliveries")
def deliveries():
    with lock:
        return jsonify(state["deliveries"])


@app.post("/sign/stripe")
def sign_stripe():
    body = request.get_json(force=True)
    timestamp = int(body["timestamp"])
    signed = "%d.%s" % (timestamp, body["payload"])
    signature = stripe.WebhookSignature._compute_signature(signed, body["secret"])
    header = "t=%d,v1=%s" % (timestamp, signature)
    # Stripe's own verifier must accept what it signed, or the helper's contract changed.
    stripe.WebhookSignature.verify_header(body["payload"], header, body["secret"], tolerance=None)
    return jsonify({"header": header})


server = make_server("127.0.0.1", 0, app, threaded=True)
print(f"listening {server.server_port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
