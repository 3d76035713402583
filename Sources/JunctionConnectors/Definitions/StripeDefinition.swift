extension BuiltInDefinitions {
    /// Stripe's REST API, from https://docs.stripe.com/api: form-encoded bodies, `POST` updates, cursor lists with
    /// `limit` / `starting_after` / `has_more`, `created[gte]` filters, `Idempotency-Key` on writes, the version
    /// pinned with `Stripe-Version`, and `/v1/events` as the change feed that reports deletes. A platform's connected
    /// accounts authorize through Stripe Connect OAuth (the `stripe-connect` integration preset).
    static let stripe = """
        name: stripe
        displayName: Stripe
        baseURL: https://api.stripe.com
        auth:
          kinds: [api_key, oauth2_authorization_code]
          credentials: [apiKey, clientId, clientSecret, accessToken, refreshToken]
          placement: {type: bearer, credential: apiKey}
        apiVersion:
          header: Stripe-Version
          default: "2024-06-20"
        request:
          format: form
          idempotencyHeader: Idempotency-Key
          updateMethod: POST
        pagination:
          style: lastRecordId
          param: starting_after
          hasMore: has_more
          limitParam: limit
          maxPageSize: 100
        records: data
        webhook:
          verifier: stripe
          events:
            "customer.subscription.*": subscriptions
            "customer.*": customers
            "product.*": products
            "price.*": prices
            "payment_intent.*": payment_intents
            "charge.*": charges
            "refund.*": refunds
            "invoice.*": invoices
        resources:
          - name: customers
            description: People and businesses that pay
            path: /v1/customers
            operations: [list, get, create, update, delete]
            incremental: {field: created, param: "created[gte]", format: unix}
            deletes: {events: {resource: events, types: [customer.deleted]}}
          - name: products
            description: What is sold
            path: /v1/products
            operations: [list, get, create, update, delete]
            incremental: {field: created, param: "created[gte]", format: unix}
            deletes: {events: {resource: events, types: [product.deleted]}}
          - name: prices
            description: How much and how often products cost
            path: /v1/prices
            operations: [list, get, create, update]
            incremental: {field: created, param: "created[gte]", format: unix}
            deletes: {events: {resource: events, types: [price.deleted]}}
          - name: payment_intents
            description: Payments being collected
            path: /v1/payment_intents
            operations: [list, get, create, update]
            incremental: {field: created, param: "created[gte]", format: unix}
          - name: charges
            description: Attempts to move money
            path: /v1/charges
            operations: [list, get, create, update]
            incremental: {field: created, param: "created[gte]", format: unix}
          - name: refunds
            description: Money returned on a charge
            path: /v1/refunds
            operations: [list, get, create, update]
            incremental: {field: created, param: "created[gte]", format: unix}
          - name: invoices
            description: Statements of what a customer owes
            path: /v1/invoices
            operations: [list, get, create, update, delete]
            incremental: {field: created, param: "created[gte]", format: unix}
            deletes: {events: {resource: events, types: [invoice.deleted]}}
          - name: subscriptions
            description: Recurring charges (delete cancels)
            path: /v1/subscriptions
            operations: [list, get, create, update, delete]
            incremental: {field: created, param: "created[gte]", format: unix}
            deletes: {events: {resource: events, types: [customer.subscription.deleted]}}
          - name: events
            description: The change feed of the last 30 days (deletes included)
            path: /v1/events
            operations: [list, get]
            incremental: {field: created, param: "created[gte]", format: unix}
        """
}
