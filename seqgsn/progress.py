"""Progress for long commands: a tqdm line on a terminal, plain periodic log lines otherwise, nothing when quiet.

Every long command (predict, sample, evaluate, train, data filter / import) reports through
:func:`bar` and :func:`ticker`, always on **stderr** (stdout may carry the output):

* stderr is a terminal: a live tqdm line (count, rate, ETA when the total is known), redrawn at most
  every 0.2 s; log lines printed meanwhile go through :func:`write` so they do not tear the bar;
* stderr is not a terminal (a log file, CI, a pipe): one plain line every ``SEQGSN_PROGRESS_INTERVAL``
  seconds (default 30), and one at the end if any was printed, e.g.
  ``seqgsn: predict: 120,000/1,000,000 residues (12.0%), 3,210 residues/s, ETA 4:34``;
* ``quiet=True`` (``--quiet`` on the command line): nothing.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Optional

from tqdm import tqdm

_ACTIVE: list = []       # live tqdm bars (for write())


def _interval() -> float:
    try:
        return float(os.environ.get("SEQGSN_PROGRESS_INTERVAL", "30"))
    except ValueError:
        return 30.0


def _is_tty(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def fmt_seconds(s: float) -> str:
    """``1:02:03`` / ``4:05``."""
    s = int(max(0.0, s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def write(msg: str, stream: Optional[IO[str]] = None) -> None:
    """Print one line on stderr without breaking a live progress line."""
    stream = stream if stream is not None else sys.stderr
    if _ACTIVE:
        tqdm.write(msg, file=stream)
    else:
        stream.write(msg + "\n")
        stream.flush()


class Progress:
    """Counts ``n`` of ``total`` (total may be None or change); see the module docstring."""

    def __init__(self, desc: str, total: Optional[float] = None, unit: str = "items", *,
                 quiet: bool = False, stream: Optional[IO[str]] = None, tty: Optional[bool] = None,
                 initial: int = 0):
        self.desc, self.unit, self.total = desc, unit, total
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = _is_tty(self.stream) if tty is None else tty
        self.n = self.n0 = initial      # n0: done before this started (a resumed run), not in the rate
        self.t0 = time.monotonic()
        self._last_log = self.t0
        self._logged = False
        self.postfix = ""
        self._bar = None
        self._closed = False
        if not quiet and self.tty:
            self._bar = tqdm(total=total, desc=f"seqgsn: {desc}", unit=f" {unit}", unit_scale=False,
                             file=self.stream, mininterval=0.2, initial=initial, dynamic_ncols=True, leave=True,
                             bar_format=None if total else "{desc}: {n_fmt}{unit} [{elapsed}, {rate_fmt}{postfix}]")
            _ACTIVE.append(self._bar)

    # -- updates ------------------------------------------------------------------------------
    def set_total(self, total: Optional[float]) -> None:
        total = None if total is None else int(round(total))
        self.total = total
        if self._bar is not None and total and self._bar.total != total:
            self._bar.total = total
            self._bar.bar_format = None        # now with a bar, percentage and ETA
            self._bar.refresh()

    def set_postfix(self, text: str) -> None:
        self.postfix = text
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def update(self, k: float = 1) -> None:
        self.n += k
        if self._bar is not None:
            self._bar.update(k)
        elif not self.quiet and time.monotonic() - self._last_log >= _interval():
            self._log()

    def set_n(self, n: float) -> None:
        """Set the count (e.g. to an exact value after estimates)."""
        self.update(n - self.n)

    def refresh(self) -> None:
        """Redraw (terminal) or log if due (otherwise), without counting anything."""
        self.update(0)

    def eta(self) -> Optional[float]:
        """Seconds left at the rate since this bar started (None: no total, done, or no rate yet)."""
        rate = (self.n - self.n0) / max(time.monotonic() - self.t0, 1e-9)
        return (self.total - self.n) / rate if self.total and self.n < self.total and rate > 0 else None

    # -- text ---------------------------------------------------------------------------------
    def line(self) -> str:
        """The plain status text: ``desc: n/total unit (pct), rate, ETA``."""
        dt = max(time.monotonic() - self.t0, 1e-9)
        rate = (self.n - self.n0) / dt
        n = f"{self.n:,.0f}"
        msg = f"seqgsn: {self.desc}: {n}"
        if self.total:
            frac = min(self.n / self.total, 1.0)
            msg += f"/{self.total:,.0f} {self.unit} ({100 * frac:.1f}%)"
        else:
            msg += f" {self.unit}"
        msg += f", {rate:,.1f} {self.unit}/s" if rate < 10 else f", {rate:,.0f} {self.unit}/s"
        eta = self.eta()
        if eta is not None:
            msg += f", ETA {fmt_seconds(eta)}"
        if self.postfix:
            msg += f", {self.postfix}"
        return msg + f" [{fmt_seconds(dt)}]"

    def _log(self) -> None:
        self._last_log = time.monotonic()
        self._logged = True
        self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
            _ACTIVE.remove(self._bar)
        elif not self.quiet and self._logged:
            self._log()      # a run long enough for periodic lines ends with one; a short one stays silent

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def bar(desc: str, total: Optional[float] = None, unit: str = "items", **kw) -> Progress:
    return Progress(desc, total, unit, **kw)


class ticker:
    """Steps with no count of their own (an external tool's stages, a file being read): live elapsed time.

    ``with ticker("filter: MMseqs2", total=7) as t: t.step("prefilter"); ...`` shows a line redrawn every
    half second on a terminal (current step as postfix); otherwise one line when it starts, then the
    usual periodic lines.
    """

    def __init__(self, desc: str, total: Optional[int] = None, *, quiet: bool = False,
                 stream: Optional[IO[str]] = None, tty: Optional[bool] = None, announce: bool = True):
        self.p = Progress(desc, total, "steps", quiet=quiet, stream=stream, tty=tty)
        self._stop = threading.Event()
        self._thread = None
        self._started = False
        if not quiet and not self.p.tty and announce:      # announce=False: the caller logged it already
            write(f"seqgsn: {desc} ...", self.p.stream)

    def step(self, name: str) -> None:
        """The next step begins (the previous one is counted as done)."""
        self.p.set_postfix(name)
        self.p.update(1 if self._started else 0)
        self._started = True

    def __enter__(self):
        if self.p._bar is not None:
            if not self.p.total:
                self.p._bar.bar_format = "{desc} [{elapsed}{postfix}]"
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.5):
            self.p._bar.refresh()

    def __exit__(self, exc_type, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if exc_type is None and self.p.total:
            self.p.set_n(self.p.total)
        self.p.close()
