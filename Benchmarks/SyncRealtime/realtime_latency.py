"""Real-time sync latency: Stripe-signed customer.updated webhooks sent to a running Junction at a fixed rate, each
about a distinct customer, while the sync's change feed is read continuously from its cursor. For each event: the
time from sending it to its 2xx (the ingest acknowledgement, the baseline) and to its record showing in the feed.

    python realtime_latency.py --url http://127.0.0.1:PORT --token TOKEN --connection CONN --sync SYNC --secret WHSEC \
        [--rate 1000] [--seconds 10]

Bounded: rate × seconds events, then at most 30 s waiting for the feed. Loopback only."""
import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import sys
import time

import aiohttp


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


async def main():
    parser = argparse.ArgumentParser()
    for name in ("--url", "--token", "--connection", "--sync", "--secret"):
        parser.add_argument(name, required=True)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    total = args.rate * args.seconds
    sent, acked, seen = {}, {}, {}
    run = str(int(time.time()))
    headers = {"Authorization": "Bearer " + args.token}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        cursor = (await (await session.get(f"{args.url}/api/v1/syncs/{args.sync}/records?limit=1000", headers=headers)).json())
        cursor = cursor["nextCursor"]
        done = asyncio.Event()

        async def read_feed():
            nonlocal cursor
            while not done.is_set() or len(seen) < len(acked):
                async with session.get(f"{args.url}/api/v1/syncs/{args.sync}/records?limit=1000&cursor={cursor}", headers=headers) as r:
                    page = await r.json()
                now = time.perf_counter()
                for record in page["data"]:
                    seen.setdefault(record["externalId"], now)
                cursor = page["nextCursor"]
                if not page["hasMore"]:
                    await asyncio.sleep(0.005)
                if done.is_set() and time.perf_counter() - finished_at > 30:
                    break

        async def send(index):
            customer = f"cus_rt{run}_{index}"
            created = int(time.time())
            body = json.dumps({"id": f"evt_rt{run}_{index}", "object": "event", "type": "customer.updated", "created": created,
                               "data": {"object": {"id": customer, "object": "customer", "name": f"Customer {index}", "created": created}}})
            signature = hmac.new(args.secret.encode(), f"{created}.{body}".encode(), hashlib.sha256).hexdigest()
            sent[customer] = time.perf_counter()
            async with session.post(f"{args.url}/webhooks/{args.connection}", data=body,
                                    headers={"Content-Type": "application/json", "Stripe-Signature": f"t={created},v1={signature}"}) as r:
                await r.read()
                if r.status // 100 == 2:
                    acked[customer] = time.perf_counter()
                else:
                    print(f"event {index}: HTTP {r.status}", file=sys.stderr)

        reader = asyncio.create_task(read_feed())
        start = time.perf_counter()
        tasks = []
        for index in range(total):
            delay = start + index / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
        finished_at = time.perf_counter()
        achieved = total / (finished_at - start)
        done.set()
        await reader

    ack = [(acked[c] - sent[c]) * 1000 for c in acked]
    visible = [(seen[c] - sent[c]) * 1000 for c in acked if c in seen]
    print(f"events: {total} sent at {achieved:.0f}/s, {len(acked)} acknowledged, {len(visible)} visible in the feed")
    print("| measure | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|")
    print(f"| 2xx from the listener (baseline) | {statistics.median(ack):.1f} | {percentile(ack, 0.99):.1f} | {max(ack):.1f} |")
    if visible:
        print(f"| visible in the change feed | {statistics.median(visible):.1f} | {percentile(visible, 0.99):.1f} | {max(visible):.1f} |")
    if len(visible) < len(acked):
        print(f"{len(acked) - len(visible)} acknowledged events never showed in the feed", file=sys.stderr)
        sys.exit(1)


asyncio.run(main())
