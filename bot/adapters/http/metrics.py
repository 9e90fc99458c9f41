"""``PrometheusMetrics``: the core's ``Metrics`` port (``bot.core.observe``) on prometheus-client.

Each instance owns its ``CollectorRegistry`` (no module-level collectors), so two bots in one
process (tests) count apart. The names below are what dashboards and alerts use; README.md
shows a scrape config and alerts.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector

from bot.core.observe import DigestEvent, Outcome

__all__ = ["CONTENT_TYPE", "PrometheusMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Discord wants an answer within 3 s; the buckets resolve the range that matters around it.
ANSWER_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
AUTOCOMPLETE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)
DATABASE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class PrometheusMetrics:
    """Counters and histograms named ``scofactbot_*``, plus the process collector
    (``process_resident_memory_bytes`` and friends) on the same registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        self.interactions = Counter(
            "scofactbot_interactions",
            "Commands handled, by command and outcome (answered, user_error, internal_error)",
            ["command", "outcome"],
            registry=r,
        )
        self.answer_seconds = Histogram(
            "scofactbot_answer_seconds",
            "Time from receiving a command to finishing its handling",
            ["command"],
            buckets=ANSWER_BUCKETS,
            registry=r,
        )
        self.autocomplete_seconds = Histogram(
            "scofactbot_autocomplete_seconds",
            "Time to answer an autocomplete request",
            ["command"],
            buckets=AUTOCOMPLETE_BUCKETS,
            registry=r,
        )
        self.digests = Counter(
            "scofactbot_digests",
            "Daily digest outcomes: posted, caught_up, paused, failed, skipped_by_claim",
            ["event"],
            registry=r,
        )
        self.database_seconds = Histogram(
            "scofactbot_database_seconds",
            "Store calls and their duration, by operation",
            ["operation"],
            buckets=DATABASE_BUCKETS,
            registry=r,
        )
        self.database_errors = Counter(
            "scofactbot_database_errors",
            "Store calls that raised (the database failed or did not answer), by operation",
            ["operation"],
            registry=r,
        )
        self.cache_lookups = Counter(
            "scofactbot_cache_lookups",
            "Cache lookups by cache and result (hit, miss)",
            ["cache", "result"],
            registry=r,
        )
        self.gateway_events = Counter(
            "scofactbot_gateway_events",
            "Gateway connection events: connect, reconnect, resume, disconnect",
            ["event"],
            registry=r,
        )
        self.healthy = Gauge(
            "scofactbot_healthy", "1 when the last /healthz check passed, else 0", registry=r
        )
        self._database_children: dict[str, Any] = {}
        for outcome in DigestEvent:
            self.digests.labels(outcome.value)
        for event in ("connect", "reconnect", "resume", "disconnect"):
            self.gateway_events.labels(event)

    def interaction(self, command: str, outcome: Outcome, seconds: float) -> None:
        self.interactions.labels(command, outcome.value).inc()
        self.answer_seconds.labels(command).observe(seconds)

    def autocomplete(self, command: str, seconds: float) -> None:
        self.autocomplete_seconds.labels(command).observe(seconds)

    def digest(self, event: DigestEvent) -> None:
        self.digests.labels(event.value).inc()

    def database(self, operation: str, seconds: float, *, failed: bool) -> None:
        # The busiest path (every store call): the labelled child is looked up once.
        child = self._database_children.get(operation)
        if child is None:
            child = self._database_children[operation] = self.database_seconds.labels(operation)
        child.observe(seconds)
        if failed:
            self.database_errors.labels(operation).inc()

    def cache(self, name: str, *, hit: bool) -> None:
        self.cache_lookups.labels(name, "hit" if hit else "miss").inc()

    def gateway(self, event: str) -> None:
        self.gateway_events.labels(event).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
