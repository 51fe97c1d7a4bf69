"""Prometheus metrics served on /metrics."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("advocacy_requests_total", "HTTP requests handled", ["route", "status"])
ACK_LATENCY = Histogram("advocacy_ack_seconds", "Time to answer an inbound chat request", ["platform"],
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5))
OUTBOX_DEPTH = Gauge("advocacy_outbox_pending", "Outbox messages waiting for delivery")
OUTBOX_AGE = Gauge("advocacy_outbox_oldest_seconds", "Age of the oldest pending outbox message")
DELIVERIES = Counter("advocacy_deliveries_total", "Outbox delivery attempts", ["platform", "outcome"])
DIGEST_RUNS = Counter("advocacy_digest_runs_total", "Digests posted", ["kind"])
