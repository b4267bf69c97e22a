"""Process memory around the engine loop: peak RSS for stats() and giving freed heap back when idle."""

from __future__ import annotations

import ctypes
import time

import psutil


class RssMonitor:
    """Peak resident memory of this process, sampled at most every `interval_s` from the loop."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._last_check = 0.0
        self._proc = psutil.Process()
        self.sample(force=True)

    @property
    def process_started_at(self) -> float:
        """Epoch seconds of the OS process start (for process start → ready)."""
        return float(self._proc.create_time())

    def current_bytes(self) -> int:
        return int(self._proc.memory_info().rss)

    def sample(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_check < self.interval_s:
            return
        self._last_check = now
        self.peak_bytes = max(self.peak_bytes, self.current_bytes(), high_water_rss())


def release_free_memory() -> None:
    """Give freed heap back to the OS when the loop goes idle (glibc keeps it after a burst: a worker
    that served 16 clients otherwise stays ~0.3 GB larger while idle). No-op off glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def high_water_rss() -> int:
    """This process's peak RSS from the kernel (Linux VmHWM), so short peaks between samples count.
    Not ru_maxrss: Linux carries that across fork+exec, so a worker spawned by a big parent would
    report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
