"""A real OAuth2 authorization server (Authlib on Flask) for Junction's tests, on a free loopback port.

- Authorization code grant with PKCE required (S256), for a confidential and a public client.
- Refresh tokens rotate (OAUTH2_REFRESH_TOKEN_GENERATOR=True, a new refresh token on every refresh; the old
  one is revoked).
- Client credentials grant; RFC 7009 revocation; RFC 7662 introspection.
- The authorize endpoint approves at once (there is no user to click): GET /authorize redirects to the
  redirect_uri with a code, or with error=access_denied when the query has deny=1.
- Test controls: GET /stats (token endpoint calls by grant type), POST /admin/revoke-all (revoke every
  refresh token, so the next refresh gets invalid_grant), GET /admin/token-lifetime?seconds=N.

Usage: oauth_server.py --redirect-uri URI [--redirect-uri-prefix P] [--access-token-seconds N]
       [--refreshed-token-seconds N]. Prints `listening <port>`.
"""
import argparse
import logging
import os
import sys
import threading
import time

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # loopback HTTP only

from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2.rfc6749 import grants  # noqa: E402
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin, TokenMixin  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402
from authlib.oauth2.rfc7662 import IntrospectionEndpoint  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--redirect-uri", action="append", default=[])
parser.add_argument("--redirect-uri-prefix", default=None, help="accept any redirect URI starting with this")
parser.add_argument("--access-token-seconds", type=int, default=3600, help="lifetime of tokens from a code or client credentials")
parser.add_argument("--refreshed-token-seconds", type=int, default=None, help="lifetime of tokens from a refresh (default: the same)")
parser.add_argument("--token-delay-ms", type=int, default=0)
args = parser.parse_args()

LOCK = threading.Lock()
STATS = {"authorization_code": 0, "refresh_token": 0, "client_credentials": 0, "revocations": 0}
LIFETIME = {"seconds": args.access_token_seconds}


class User:
    id = 1

    def get_user_id(self):
        return 1


USER = User()


class Client(ClientMixin):
    def __init__(self, client_id, secret, auth_method):
        self.client_id = client_id
        self.client_secret = secret
        self.auth_method = auth_method

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return args.redirect_uri[0] if args.redirect_uri else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = {"read", "write", "offline"}
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        if args.redirect_uri_prefix and redirect_uri.startswith(args.redirect_uri_prefix):
            return True
        return redirect_uri in args.redirect_uri

    def check_client_secret(self, client_secret):
        return self.client_secret is not None and client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token", "client_credentials")


CLIENTS = {
    "junction-confidential": Client("junction-confidential", "confidential-secret", "client_secret_basic"),
    "junction-post": Client("junction-post", "post-secret", "client_secret_post"),
    "junction-public": Client("junction-public", None, "none"),
}


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, code, client_id, redirect_uri, scope, challenge, method):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.code_challenge = challenge
        self.code_challenge_method = method
        self.created = time.time()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return None

    def get_auth_time(self):
        return int(self.created)


class Token(TokenMixin):
    def __init__(self, client_id, data):
        self.client_id = client_id
        self.access_token = data["access_token"]
        self.refresh_token = data.get("refresh_token")
        self.scope = data.get("scope", "")
        self.expires_in = data.get("expires_in", 3600)
        self.issued_at = time.time()
        self.revoked = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return USER

    def get_client(self):
        return CLIENTS[self.client_id]


CODES = {}
TOKENS = []


def query_client(client_id):
    return CLIENTS.get(client_id)


def save_token(token, req):
    with LOCK:
        TOKENS.append(Token(req.client.get_client_id(), token))


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, req):
        payload = req.payload
        CODES[code] = AuthorizationCode(
            code, req.client.get_client_id(), payload.redirect_uri, payload.scope,
            payload.data.get("code_challenge"), payload.data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code, client):
        item = CODES.get(code)
        if item and item.client_id == client.get_client_id() and time.time() - item.created < 60:
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return USER


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        with LOCK:
            for token in TOKENS:
                if token.refresh_token == refresh_token and not token.revoked:
                    return token
        return None

    def authenticate_user(self, credential):
        return USER

    def revoke_old_credential(self, credential):
        with LOCK:
            credential.revoked = True


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def find_token(token_string, hint):
    with LOCK:
        for token in TOKENS:
            if token.access_token == token_string or token.refresh_token == token_string:
                return token
    return None


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)

    def revoke_token(self, token, req):
        with LOCK:
            token.revoked = True
            STATS["revocations"] += 1


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)

    def introspect_token(self, token):
        return {
            "active": not token.revoked and not token.is_expired(),
            "client_id": token.client_id,
            "scope": token.scope,
            "exp": int(token.issued_at + token.expires_in),
        }

    def check_permission(self, token, client, req):
        return True


app = Flask(__name__)
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {
    "authorization_code": args.access_token_seconds,
    "refresh_token": args.refreshed_token_seconds or args.access_token_seconds,
    "client_credentials": args.access_token_seconds,
}
server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
server.register_grant(RefreshTokenGrant)
server.register_grant(ClientCredentialsGrant)
server.register_endpoint(Revocation)
server.register_endpoint(Introspection)


@app.route("/authorize")
def authorize():
    if request.args.get("deny") == "1":
        return server.create_authorization_response(grant_user=None)
    return server.create_authorization_response(grant_user=USER)


@app.route("/token", methods=["POST"])
def issue_token():
    grant_type = request.form.get("grant_type", "")
    with LOCK:
        STATS[grant_type] = STATS.get(grant_type, 0) + 1
    if args.token_delay_ms:
        time.sleep(args.token_delay_ms / 1000)
    return server.create_token_response()


@app.route("/revoke", methods=["POST"])
def revoke():
    return server.create_endpoint_response(Revocation.ENDPOINT_NAME)


@app.route("/introspect", methods=["POST"])
def introspect():
    return server.create_endpoint_response(Introspection.ENDPOINT_NAME)


@app.route("/stats")
def stats():
    with LOCK:
        return jsonify(STATS)


@app.route("/admin/revoke-all", methods=["POST"])
def revoke_all():
    with LOCK:
        for token in TOKENS:
            token.revoked = True
    return jsonify({"ok": True})


@app.route("/me")
def me():
    header = request.headers.get("Authorization", "")
    token = find_token(header.removeprefix("Bearer "), "access_token") if header.startswith("Bearer ") else None
    if token is None or token.revoked or token.is_expired():
        return jsonify({"error": "invalid_token"}), 401
    return jsonify({"user": 1, "client": token.client_id})


logging.getLogger("werkzeug").setLevel(logging.ERROR)
http = make_server("127.0.0.1", int(os.environ.get("OAUTH_PORT", "0")), app, threaded=True)
print(f"listening {http.server_port}", flush=True)
try:
    http.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
