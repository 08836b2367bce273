"""Prometheus metrics of one app, in multi-process mode when gunicorn runs several workers.

With PROMETHEUS_MULTIPROC_DIR set (the gunicorn config sets it before anything imports
prometheus_client), every worker writes its samples to files there and `/metrics`, whichever
worker answers it, adds them up. Without it (tests, `flask run`) the app's own registry is
rendered. The metric objects are made per app, not at import time.
"""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

# Seconds; the API answers in ~1 ms, tiles and exports take longer.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
MATCH_ENDPOINTS = {"match.SiteMatch": "site", "match.RouteMatch": "route"}
MAX_SERIES = 4096


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The app's metric objects and how to render them."""

    def __init__(self) -> None:
        self._series: dict[tuple, tuple] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        reg = None if multiprocess() else self.registry
        self.requests = Counter(
            "infrashare_http_requests",
            "HTTP requests answered, by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "infrashare_http_request_duration_seconds",
            "Time to answer, by endpoint and method",
            ["endpoint", "method"],
            buckets=BUCKETS,
            registry=reg,
        )
        self.match_latency = Histogram(
            "infrashare_match_duration_seconds",
            "Time to answer a match request (site or route), whole request",
            ["kind"],
            buckets=BUCKETS,
            registry=reg,
        )
        self.index_assets = Gauge(
            "infrashare_index_assets",
            "Assets in the worker's in-process index (max over workers)",
            registry=reg,
            multiprocess_mode="max",
        )
        self.registry_seq = Gauge(
            "infrashare_registry_seq",
            "Newest change-feed seq in the database, read at scrape time",
            registry=reg,
            multiprocess_mode="max",
        )
        self.feed_lag = Gauge(
            "infrashare_change_feed_lag",
            "Change-feed entries a worker's index was behind the database when it last "
            "answered /metrics or /readyz (max over workers; 0 right after any query, which "
            "catches up first)",
            registry=reg,
            multiprocess_mode="max",
        )

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        counter, latency, match_latency = self._children(endpoint, method, status)
        counter.inc()
        latency.observe(seconds)
        if match_latency is not None:
            match_latency.observe(seconds)

    def _children(self, endpoint: str, method: str, status: int) -> tuple:
        """The labelled series of one (endpoint, method, status), looked up once: `labels()`
        checks, locks and builds its key on every call, and this runs on every request."""
        key = (endpoint, method, status)
        found = self._series.get(key)
        if found is None:
            kind = MATCH_ENDPOINTS.get(endpoint)
            found = (
                self.requests.labels(endpoint, method, str(status)),
                self.latency.labels(endpoint, method),
                self.match_latency.labels(kind) if kind else None,
            )
            if len(self._series) < MAX_SERIES:  # methods come from clients: keep a bound
                self._series[key] = found
        return found

    def render(self) -> bytes:
        if multiprocess():
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def install(app: Flask, index_state) -> Metrics:
    """Time every request; `index_state()` -> (assets, seq) of this worker's index."""
    metrics = Metrics()

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _record(response):
        started = g.pop("started", None)
        if started is not None:
            endpoint = request.endpoint or "unmatched"
            metrics.observe(
                endpoint, request.method, response.status_code, time.perf_counter() - started
            )
            if endpoint in MATCH_ENDPOINTS:
                metrics.index_assets.set(index_state()[0])
        return response

    return metrics
