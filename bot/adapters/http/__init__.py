"""The bot's own HTTP endpoint (``METRICS_PORT``): ``/healthz`` and ``/metrics``.

``metrics.PrometheusMetrics`` implements the core's ``Metrics`` port on a registry of its own
(built in the composition root, never at import time); ``server.MetricsServer`` serves it with
aiohttp next to a health probe the Discord adapter supplies.
"""
