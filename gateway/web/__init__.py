"""The gateway's HTTP machinery: routing and request handling, errors, CSRF,
cookies, idempotency, rate limits, OpenAPI, the page renderer and assets,
common schema fields, settings and the RPC client."""
