"""Runs localstripe (the real package: a stateful fake Stripe that sends its own signed webhooks) on a free
loopback port and prints `listening <port>` once ready. localstripe's own entry point binds every interface;
this binds 127.0.0.1 only. Its store starts empty (nothing is loaded from or saved to disk).

localstripe has no /v1/webhook_endpoints (it takes its webhooks at its own /_config/webhooks); this adds them, after
https://docs.stripe.com/api/webhook_endpoints: POST (form `url`, `enabled_events[]`) answers the endpoint with its
`secret` (whsec_…) shown once, GET lists them (without secrets), DELETE /v1/webhook_endpoints/{id} answers
`{"id", "object", "deleted": true}`. Each is registered with localstripe, which then signs and sends its events there."""
import asyncio
import logging
import secrets
import socket
import time

from aiohttp import web
from localstripe import server
from localstripe.webhooks import _webhooks, register_webhook

logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


endpoints = {}


def stripe_error(status, message, param=None):
    return web.json_response({"error": {"type": "invalid_request_error", "message": message, "param": param}}, status=status)


async def create_webhook_endpoint(request):
    data = await server.get_post_data(request) or {}
    url, events = data.get("url"), data.get("enabled_events")
    if not url or not str(url).startswith("http"):
        return stripe_error(400, "Missing required param: url.", "url")
    if isinstance(events, dict):  # enabled_events[0]=…&enabled_events[1]=…
        events = [events[key] for key in sorted(events, key=int)]
    if not isinstance(events, list) or not events:
        return stripe_error(400, "Missing required param: enabled_events.", "enabled_events")
    endpoint_id = "we_" + secrets.token_hex(12)
    secret = "whsec_" + secrets.token_hex(16)
    register_webhook(endpoint_id, url, secret, None if events == ["*"] else events)
    endpoints[endpoint_id] = {"id": endpoint_id, "object": "webhook_endpoint", "url": url, "enabled_events": events,
                              "status": "enabled", "created": int(time.time()), "livemode": False}
    return web.json_response(dict(endpoints[endpoint_id], secret=secret))


async def list_webhook_endpoints(request):
    return web.json_response({"object": "list", "data": list(endpoints.values()), "has_more": False, "url": "/v1/webhook_endpoints"})


async def delete_webhook_endpoint(request):
    endpoint_id = request.match_info["id"]
    if endpoints.pop(endpoint_id, None) is None:
        return stripe_error(404, "No such webhook endpoint: '%s'" % endpoint_id, "id")
    _webhooks.pop(endpoint_id, None)
    return web.json_response({"id": endpoint_id, "object": "webhook_endpoint", "deleted": True})


server.app.router.add_post("/v1/webhook_endpoints", create_webhook_endpoint)
server.app.router.add_get("/v1/webhook_endpoints", list_webhook_endpoints)
server.app.router.add_delete("/v1/webhook_endpoints/{id}", delete_webhook_endpoint)


async def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(server.app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"listening {sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
