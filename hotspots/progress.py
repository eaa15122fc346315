"""Progress bars and the concise log of a run (-v / -q on the command line)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = [
    "LOGGER_NAME",
    "PAUSE_ENV",
    "StageBar",
    "T",
    "bar",
    "get_logger",
    "pause_if_requested",
    "setup_logging"
]

T = TypeVar("T")

LOGGER_NAME = "hotspots"
#: test hook: ``HOTSPOTS_TEST_PAUSE_AT=<stage>`` makes a run sleep when it reaches that stage
#: (after printing "paused at <stage>" to stderr) so that tests can kill it mid-way
PAUSE_ENV = "HOTSPOTS_TEST_PAUSE_AT"

_state = {"bars": False}


def setup_logging(*, verbosity: int = 0) -> logging.Logger:
    """Configure the ``hotspots`` logger: -q → warnings only, default → info, -v → debug.

    ``verbosity`` is −1 (quiet), 0 or ≥ 1. Messages go to stderr so stdout stays the summary.
    Progress bars are shown at the default and verbose levels when stderr is a terminal.
    """
    logger = logging.getLogger(LOGGER_NAME)
    level = logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity > 0 else logging.INFO
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_hotspots", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s" if verbosity > 0 else "  · %(message)s"
    handler.setFormatter(logging.Formatter(fmt, datefmt="%H:%M:%S"))
    handler._hotspots = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
    _state["bars"] = verbosity >= 0 and sys.stderr.isatty()
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    """The package logger, or a child of it (``hotspots.<name>``)."""
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


def bar(iterable: Iterable[T], *, desc: str, total: int | None = None,
        enabled: bool | None = None) -> Iterator[T]:
    """Wrap a long loop in a tqdm progress bar (on stderr, only when enabled or interactive)."""
    show = _state["bars"] if enabled is None else enabled
    if not show:
        yield from iterable
        return
    from tqdm.auto import tqdm

    yield from tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False,
                    dynamic_ncols=True)


class StageBar:
    """One progress bar over the stages of a run (a no-op when bars are off)."""

    def __init__(self, total: int, *, enabled: bool | None = None):
        show = _state["bars"] if enabled is None else enabled
        self._bar = None
        if show:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, file=sys.stderr, leave=False, dynamic_ncols=True,
                             unit="stage")

    def start(self, name: str) -> None:
        """Show the stage now running."""
        if self._bar is not None:
            self._bar.set_description(name)

    def done(self) -> None:
        """Advance by one stage."""
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def pause_if_requested(stage: str) -> None:
    """Test hook (see ``PAUSE_ENV``): sleep for up to 10 minutes at the named stage."""
    if os.environ.get(PAUSE_ENV) != stage:
        return
    print(f"paused at {stage}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        time.sleep(0.2)
