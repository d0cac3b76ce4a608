"""The service endpoints: /health, /status and the Prometheus /metrics."""

from __future__ import annotations

import httpx


def test_health_answers_ok(http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_status_reports_sequences_counts_and_sync_state(http: httpx.Client) -> None:
    body = http.get("/status").json()
    assert body["schema_sequence"] == 31
    assert body["replication_sequence"] is None  # the shared datasets have an empty REPLICATION_SEQUENCE
    assert body["last_replication_date"].startswith("2026-07-24T15:29:22")
    assert body["row_counts"]["artist"] > 0
    assert body["sync"]["packets_applied"] == 0 and body["sync"]["last_error"] is None
    assert body["sync"]["lag_seconds"] > 0


def test_metrics_are_prometheus_text(http: httpx.Client) -> None:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "# TYPE mbmirror_packets_applied_total counter" in lines
    assert "mbmirror_schema_sequence 31.0" in lines
    assert "mbmirror_replication_sequence NaN" in lines
    assert any(line.startswith('mbmirror_rows{table="artist"} ') for line in lines)
    samples = [line for line in lines if line and not line.startswith("#")]
    for line in samples:
        float(line.rsplit(" ", 1)[1])  # every sample value parses


def test_openapi_documentation_is_served(http: httpx.Client) -> None:
    assert http.get("/docs").status_code == 200
    assert "/status" in http.get("/openapi.json").json()["paths"]
