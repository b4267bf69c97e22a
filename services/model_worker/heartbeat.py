"""The model worker announces itself in Redis; `/readyz` reads it. A stale key expires by itself."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

import redis

HEARTBEAT_PREFIX = "planwright:model_worker:"


def heartbeat_key() -> str:
    return f"{HEARTBEAT_PREFIX}{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    def __init__(self, redis_url: str, ttl_s: int, describe: Any) -> None:
        self._client = redis.Redis.from_url(redis_url)
        self._ttl_s = ttl_s
        self._describe = describe
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.key = heartbeat_key()

    def start(self) -> None:
        self.beat()
        self._thread.start()

    def beat(self) -> None:
        payload = {**self._describe(), "at": time.time()}
        self._client.set(self.key, json.dumps(payload), ex=self._ttl_s)

    def _run(self) -> None:
        while not self._stop.wait(self._ttl_s / 3):
            try:
                self.beat()
            except redis.RedisError:
                pass  # Redis away: the key expires and /readyz says so; beat again when it returns

    def stop(self) -> None:
        self._stop.set()
        try:
            self._client.delete(self.key)
        except redis.RedisError:
            pass


def read_heartbeats(client: redis.Redis) -> list[dict[str, Any]]:
    beats = []
    for key in client.scan_iter(match=f"{HEARTBEAT_PREFIX}*"):
        raw = client.get(key)
        if raw:
            beats.append(json.loads(raw))
    return beats
