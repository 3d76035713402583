-- POST /api/v1/messages with a small payload, no idempotency key (each request is a new message).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ADMIN_TOKEN")
wrk.body = '{"eventType": "invoice.paid", "payload": {"id": "in_123", "amount": 4200, "currency": "eur", "paid": true}}'
