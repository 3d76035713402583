"""Seeds a Junction server for the dashboard benchmark: 1,000 connections and 5 endpoints through the management API
(so their credentials and secrets are sealed as in use), then, straight into its SQLite file, 100,000 inbound events
over the last seven days (a fifth of them in the last day, 2% dead), 10,000 messages each with one delivery and one
attempt (10% failed), health states for a tenth of the connections, and 50 alerts. Prints the ids the benchmark
fetches pages for, as JSON.

Usage: seed.py BASE_URL TOKEN SQLITE_FILE
"""
import json
import random
import sqlite3
import sys
import time
import urllib.request

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
random.seed(7)


def ulid(prefix, at_ms):
    value = (at_ms << 80) | random.getrandbits(80)
    text = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(26)))
    return f"{prefix}_{text}"


def api(base, token, method, path, payload):
    request = urllib.request.Request(base + path, data=json.dumps(payload).encode(), method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main():
    base, token, path = sys.argv[1:4]
    now = int(time.time() * 1000)
    connections = [api(base, token, "POST", "/api/v1/connections", {
        "provider": "stripe", "name": f"Customer {i:04d}", "tenant": f"tenant-{i % 50}",
        "credentials": {"apiKey": f"sk_test_{i:032d}", "webhookSecret": f"whsec_{i:032d}"}})["id"] for i in range(1000)]
    endpoints = [api(base, token, "POST", "/api/v1/endpoints", {
        "url": f"http://127.0.0.1:9/hooks/app{i}", "eventTypes": ["stripe.*"]})["id"] for i in range(5)]

    db = sqlite3.connect(path)
    day = 86_400_000
    events = []
    for n in range(100_000):
        received = now - (random.randrange(day) if n % 5 == 0 else random.randrange(day, 7 * day))
        status = "dead" if n % 50 == 0 else "processed"
        body = json.dumps({"id": f"evt_seed_{n}", "type": "customer.updated", "data": {"object": {"id": f"cus_{n}", "email": f"c{n}@example.com"}}})
        events.append((ulid("evt", received), random.choice(connections), "stripe", f"evt_seed_{n}", "customer.updated", received, received,
                       '{"content-type":"application/json","stripe-signature":"t=1,v1=00"}', body, status, 1, 0,
                       "handler failed" if status == "dead" else None, None if status == "dead" else received + 5))
    db.executemany(
        "INSERT INTO webhook_events (id, connection_id, provider, external_id, type, occurred_at, received_at, headers, body, status, "
        "attempts, replays, last_error, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
    messages, deliveries, attempts = [], [], []
    for n in range(10_000):
        created = now - random.randrange(2 * day)
        message, delivery, endpoint = ulid("msg", created), ulid("dlv", created), random.choice(endpoints)
        failed = n % 10 == 0
        messages.append((message, "stripe.customer.updated", json.dumps({"n": n}), None, created))
        deliveries.append((delivery, message, endpoint, "failed" if failed else "succeeded", 1, 500 if failed else 200,
                           "HTTP 500" if failed else None, None, created, created + 40))
        attempts.append((ulid("att", created + 40), delivery, message, endpoint, 1, 500 if failed else 200, "HTTP 500" if failed else None,
                         40, "ok", created + 40))
    db.executemany("INSERT INTO webhook_messages (id, event_type, payload, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?)", messages)
    db.executemany(
        "INSERT INTO webhook_deliveries (id, message_id, endpoint_id, status, attempts, last_status_code, last_error, next_attempt_at, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", deliveries)
    db.executemany(
        "INSERT INTO webhook_delivery_attempts (id, delivery_id, message_id, endpoint_id, attempt, status_code, error, latency_ms, "
        "response_excerpt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", attempts)
    states = ["degraded", "down", "needs_reauth", "paused"]
    db.executemany(
        "INSERT INTO connection_health (connection_id, state, cause, detail, since, probe_failures, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
        [(connection, states[i % 4], "error_rate", "seeded", now - day, now) for i, connection in enumerate(connections[:100])])
    db.executemany(
        "INSERT INTO alerts (id, connection_id, cause, severity, status, title, detail, occurrences, opened_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'open', ?, 'seeded', 1, ?, ?)",
        [(ulid("alrt", now - i * 60_000), connections[i], "health.down", "critical", f"Customer {i:04d} is down", now - i * 60_000, now)
         for i in range(50)])
    db.commit()
    print(json.dumps({"connection": connections[500], "endpoint": endpoints[0], "event": events[12_345][0], "message": messages[77][0]}))


if __name__ == "__main__":
    main()
