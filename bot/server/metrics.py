"""Prometheus metrics, one registry per app so several apps can live in one process (tests, two instances)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.turns = Counter("daoban_turns", "Dialogue turns handled", ["channel", "kind"], registry=self.registry)
        self.latency = Histogram("daoban_turn_latency_seconds", "Time to handle one turn", ["channel"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.handoffs = Counter("daoban_handoffs", "Turns that handed over to a person", ["channel"],
                                registry=self.registry)
        self.errors = Counter("daoban_errors", "Requests that failed", ["kind"], registry=self.registry)
        self.rejected = Counter("daoban_rejected_requests", "Requests refused before the engine", ["reason"],
                                registry=self.registry)
        self.feedback = Counter("daoban_feedback", "Feedback on answers", ["rating"], registry=self.registry)
        self.ws_connections = Gauge("daoban_ws_connections", "Open WebSocket connections", registry=self.registry)
        self.announcements = Counter("daoban_announcements", "Idle announcements pushed", registry=self.registry)
        self.ready = Gauge("daoban_ready", "1 while the engine is loaded and the session store answers",
                           registry=self.registry)
        self.store_up = Gauge("daoban_store_up", "1 while the session store answers", registry=self.registry)
        self.store_up.set(1)
        self.kb_reloads = Counter("daoban_kb_reloads", "Knowledge base and flow reloads", ["result"],
                                  registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
