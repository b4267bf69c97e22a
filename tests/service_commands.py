"""The one list of how each service starts. The end-to-end tests run these commands natively and the
compose test checks docker-compose.yml uses the same ones, so the two cannot drift apart."""

SERVICE_COMMANDS: dict[str, list[str]] = {
    "migrate": ["alembic", "upgrade", "head"],
    "api": ["uvicorn", "services.api.main:app", "--host", "0.0.0.0", "--port", "8000"],
    # --quiet: no banner, so every line is a JSON log line. No gossip, mingle or event heartbeats:
    # nothing uses them, and the solo pool cannot answer heartbeats while it crawls (missed-heartbeat
    # and clock-drift warnings every 30 s).
    "crawler": [
        "celery", "-A", "services.crawler.worker", "--quiet", "worker",
        "--queues", "crawl", "--pool", "solo", "--loglevel", "INFO", "--hostname", "crawler@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ],
    "model_worker": ["python", "-m", "services.model_worker"],
    "beat": ["celery", "-A", "services.beat", "--quiet", "beat", "--loglevel", "INFO"],
}
