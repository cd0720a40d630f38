"""A progress line with rate and ETA on stderr, for sweeps: redrawn in place on a terminal, a plain
line every LOG_EVERY_S seconds otherwise (a CI log must not fill with carriage returns)."""

from __future__ import annotations

import sys
import time

BAR_WIDTH = 24
REDRAW_EVERY_S = 0.2
LOG_EVERY_S = 10.0


class Progress:
    """done/total samples, those that failed, the rate of this session and the time left."""

    def __init__(self, total: int, already_done: int = 0, stream=None, enabled: bool = True):
        self.total, self.done, self.failed = total, already_done, 0
        self._start_done, self._started = already_done, time.perf_counter()
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def update(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        now = time.perf_counter()
        if now - self._last >= (REDRAW_EVERY_S if self._tty else LOG_EVERY_S) or self.done == self.total:
            self._last = now
            self._draw()

    def line(self) -> str:
        elapsed = time.perf_counter() - self._started
        computed = self.done - self._start_done
        rate = computed / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        filled = int(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"[{bar}] {self.done}/{self.total} samples{failed}  {rate:.2f}/s  "
                f"elapsed {_clock(elapsed)}  ETA {_clock(left)}")

    def _draw(self) -> None:
        if not self.enabled:
            return
        end = "" if self._tty and self.done < self.total else "\n"
        self.stream.write(("\r" if self._tty else "") + self.line() + end)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._tty and self.done < self.total:
            self.stream.write("\n")


def _clock(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
