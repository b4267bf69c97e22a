"""The model worker announces itself in Redis every third of MODEL_HEARTBEAT_TTL_S; `/readyz` reads it.
A stale key expires by itself, and a dead worker's beat is not read as a live one before that."""

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
        payload = {
            **self._describe(),
            "at": time.time(),
            "ttl_s": self._ttl_s,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
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
    """The live workers' beats. A killed worker's key outlives it until its TTL: a beat older than
    two beat intervals, or from a process of this host that no longer exists, is not a live worker."""
    beats = []
    now = time.time()
    for key in client.scan_iter(match=f"{HEARTBEAT_PREFIX}*"):
        raw = client.get(key)
        if not raw:
            continue
        beat = json.loads(raw)
        interval = float(beat.get("ttl_s") or 30) / 3
        if now - float(beat.get("at") or 0) > 2 * interval + 1 or not _process_may_live(beat):
            continue
        beats.append(beat)
    return beats


def _process_may_live(beat: dict[str, Any]) -> bool:
    if beat.get("host") != socket.gethostname() or not isinstance(beat.get("pid"), int):
        return True  # another machine's process: its beats' age is all there is to go by
    try:
        os.kill(beat["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
