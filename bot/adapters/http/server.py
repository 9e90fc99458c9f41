"""The HTTP endpoint inside the bot process: ``GET /healthz`` and ``GET /metrics``.

``/healthz`` answers 200 with ``{"status": "ok", ...}`` while every check passes and 503 with
``{"status": "unhealthy", "reasons": [...]}`` otherwise; the checks come from a probe the
Discord adapter supplies (gateway shards, database, digest scheduler). ``/metrics`` is the
registry in Prometheus' text format. Bound to 127.0.0.1 unless ``METRICS_HOST`` says
otherwise; started only when ``METRICS_PORT`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.adapters.http.metrics import CONTENT_TYPE, PrometheusMetrics

__all__ = ["Health", "MetricsServer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    """The result of one health check: each named check and, for the failed ones, why."""

    checks: dict[str, bool] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(self.checks.values()) and not self.reasons


Probe = Callable[[], Awaitable[Health]]


class MetricsServer:
    """An aiohttp server on ``host:port`` (port 0: any free port, see ``port`` once started)."""

    def __init__(self, metrics: PrometheusMetrics, probe: Probe, host: str, port: int) -> None:
        self.metrics = metrics
        self.probe = probe
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        runner = web.AppRunner(self.application(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def check(self) -> Health:
        """Run the probe; ``scofactbot_healthy`` follows it."""
        try:
            health = await self.probe()
        except Exception as exc:  # the probe itself failed: that is unhealthy, not a 500
            log.exception("the health probe failed")
            health = Health({"probe": False}, [f"the health check failed: {exc!r}"[:200]])
        self.metrics.healthy.set(1 if health.ok else 0)
        return health

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await self.check()
        body = {
            "status": "ok" if health.ok else "unhealthy",
            "checks": health.checks,
            "reasons": health.reasons,
        }
        return web.json_response(body, status=200 if health.ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.check()  # so that an alert on scofactbot_healthy needs no other caller
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})
