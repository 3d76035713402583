"""A token endpoint for the RFC 7523 JWT bearer grant that verifies assertions the way Google does, with the
official google-auth library (google.auth.jwt.decode against the service account's certificate).

At start it makes an RSA key and a self-signed certificate, and writes a service account key JSON (the format
of the Google Cloud console's key download: type, project_id, private_key_id, private_key, client_email,
token_uri) to the path given with --key-file. POST /token accepts
grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>; GET /stats lists the verified claims.
Prints `listening <port>`.
"""
import argparse
import datetime
import json
import logging
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, request
from google.auth import jwt as google_jwt
from werkzeug.serving import make_server

parser = argparse.ArgumentParser()
parser.add_argument("--key-file", required=True)
parser.add_argument("--salesforce-key-file", help="where to write the Salesforce connected app's private key (PEM)")
parser.add_argument("--salesforce-instance-url", default="https://example.my.salesforce.com",
                    help="the instance_url Salesforce token answers name (a fixture's address in connector tests)")
args = parser.parse_args()

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "junction-test-service-account")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (
    x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
    .sign(key, hashes.SHA256())
)
KEY_ID = "test-key-1"
CERTS = {KEY_ID: cert.public_bytes(serialization.Encoding.PEM).decode()}
LOCK = threading.Lock()
VERIFIED = []
REJECTED = []

app = Flask(__name__)


@app.route("/token", methods=["POST"])
def token():
    if request.form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return jsonify({"error": "unsupported_grant_type"}), 400
    assertion = request.form.get("assertion", "")
    token_url = request.url_root.rstrip("/") + "/token"
    try:
        claims = google_jwt.decode(assertion, certs=CERTS, audience=token_url)
    except Exception as error:  # noqa: BLE001 - every verification failure is an invalid_grant
        with LOCK:
            REJECTED.append(str(error))
        return jsonify({"error": "invalid_grant", "error_description": str(error)}), 400
    if claims["exp"] - claims["iat"] > 3600 or "scope" not in claims:
        return jsonify({"error": "invalid_grant", "error_description": "lifetime over 1 h or no scope"}), 400
    with LOCK:
        VERIFIED.append(claims)
    return jsonify({"access_token": f"ya29.test-{len(VERIFIED)}", "expires_in": 3599, "token_type": "Bearer"})


SALESFORCE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SALESFORCE_CERT = (
    x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(SALESFORCE_KEY.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
    .sign(SALESFORCE_KEY, hashes.SHA256())
).public_bytes(serialization.Encoding.PEM).decode()


@app.route("/services/oauth2/token", methods=["POST"])
def salesforce_token():
    """Salesforce's OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration: iss = the connected app's
    consumer key, sub = the username, aud = https://login.salesforce.com, exp within 3 minutes; the answer
    carries instance_url and no refresh token."""
    if request.form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return jsonify({"error": "unsupported_grant_type"}), 400
    try:
        claims = google_jwt.decode(
            request.form.get("assertion", ""), certs={"salesforce": SALESFORCE_CERT}, audience="https://login.salesforce.com"
        )
    except Exception as error:  # noqa: BLE001
        return jsonify({"error": "invalid_grant", "error_description": str(error)}), 400
    if claims.get("iss") != "3MVG9test.consumer.key" or claims.get("sub") != "integration@example.com":
        return jsonify({"error": "invalid_client_id", "error_description": "client identifier invalid"}), 400
    if claims["exp"] - claims["iat"] > 300:
        return jsonify({"error": "invalid_grant", "error_description": "expiration time too far in the future"}), 400
    with LOCK:
        VERIFIED.append(claims)
    return jsonify({
        "access_token": "00Dxx0000000000!AQ0AQ.test",
        "scope": "api",
        "instance_url": args.salesforce_instance_url,
        "id": "https://login.salesforce.com/id/00Dxx0000000000EAA/005xx000001Sv6AAAS",
        "token_type": "Bearer",
    })


@app.route("/stats")
def stats():
    with LOCK:
        return jsonify({"verified": VERIFIED, "rejected": REJECTED})


logging.getLogger("werkzeug").setLevel(logging.ERROR)
http = make_server("127.0.0.1", 0, app, threaded=True)
with open(args.key_file, "w") as handle:
    json.dump({
        "type": "service_account",
        "project_id": "junction-test",
        "private_key_id": KEY_ID,
        "private_key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "client_email": "junction@junction-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": f"http://127.0.0.1:{http.server_port}/token",
    }, handle)
if args.salesforce_key_file:
    with open(args.salesforce_key_file, "w") as handle:
        handle.write(SALESFORCE_KEY.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode())
print(f"listening {http.server_port}", flush=True)
try:
    http.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
