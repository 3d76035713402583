"""Runs localstripe (the real package: a stateful fake Stripe that sends its own signed webhooks) on a free
loopback port and prints `listening <port>` once ready. localstripe's own entry point binds every interface;
this binds 127.0.0.1 only. Its store starts empty (nothing is loaded from or saved to disk)."""
import asyncio
import logging
import socket

from aiohttp import web
from localstripe import server

logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


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
