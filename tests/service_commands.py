"""The one list of how each service starts. The end-to-end tests run these commands natively and the
compose test checks docker-compose.yml uses the same ones, so the two cannot drift apart."""

SERVICE_COMMANDS: dict[str, list[str]] = {
    "migrate": ["alembic", "upgrade", "head"],
    "api": ["uvicorn", "services.api.main:app", "--host", "0.0.0.0", "--port", "8000"],
    "crawler": [
        "celery", "-A", "services.crawler.worker", "worker",
        "--queues", "crawl", "--pool", "solo", "--loglevel", "INFO", "--hostname", "crawler@%h",
    ],
    "model_worker": ["python", "-m", "services.model_worker"],
    "beat": ["celery", "-A", "services.beat", "beat", "--loglevel", "INFO"],
}
