"""A run's writers shared by two processes: the caller and one forked child.

Writing a run's outputs is a list of independent writers (the analyst's files, the liaison
folder's). On a machine with two cores or more, :func:`run_tasks` forks the process once
(POSIX ``fork``: the child sees the finished analysis as it is, nothing is pickled or
recomputed) and both processes take the next writer not yet taken; the child's values come
back pickled, its exception is raised in the caller (an ``OSError`` keeps its errno, so disk
full is still exit 5).

The child runs only its share and leaves with ``os._exit``: it never runs the caller's
``finally`` blocks (the run lock, the temporary folder's clean-up) nor ``atexit`` handlers, and
SIGINT/SIGTERM kill it outright. The caller stops and reaps the child when it fails itself
(:meth:`Child.cancel`), so no process outlives the run.

The writers run one after another in the caller where a fork is unavailable or unsafe
(:func:`can_fork`): no ``os.fork`` (Windows), one usable core, ``processes=1``, a caller that is
not the main thread (a dask worker's task, a thread pool) or a daemonic process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from hotspots._errors import HotspotsError

__all__ = ["Child", "ChildFailedError", "can_fork", "run_tasks"]


class ChildFailedError(HotspotsError):
    """The writer process ended without a result (killed, out of memory, or its error could not
    be brought back); the message has what is known."""


def can_fork(processes: int = 2) -> bool:
    """Whether :func:`run_tasks` would use a second process here."""
    if processes < 2 or not hasattr(os, "fork"):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    return not multiprocessing.current_process().daemon


class Child:
    """``fn()`` running in a forked child process; :meth:`wait` gives its value."""

    def __init__(self, fn: Callable[[], Any]):
        self.pid: int | None = None
        self._read: int | None = None
        self._fork(fn)

    def _fork(self, fn: Callable[[], Any]) -> None:
        read, write = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        with warnings.catch_warnings():
            # Python ≥ 3.12 warns when forking a process with threads (numba's, BLAS's): the
            # child runs only this function, which takes no lock those threads hold
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: run, report, leave without unwinding the caller's stack
            code = 0
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _send(write, _outcome(fn))
            except BaseException:  # nothing may escape the child
                code = 70
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self._read = pid, read

    def wait(self) -> Any:
        """The function's value; its exception is raised here, with the child's traceback
        attached as a note."""
        if self._read is None:
            raise RuntimeError("Child.wait called twice or after cancel")
        with os.fdopen(self._read, "rb") as pipe:
            self._read = None
            data = pipe.read()
        status = self._reap()
        if not data:
            raise ChildFailedError(
                f"the process writing the outputs in parallel ended without a result "
                f"({_status_text(status)}). Fix: look for an out-of-memory kill in the system "
                "log, or set [outputs] writer_processes = 1 to write in one process.")
        try:
            kind, value, text = pickle.loads(data)
        except Exception as exc:  # an unpicklable error: keep its text
            raise ChildFailedError(f"the parallel writer failed and its error could not be "
                                   f"read back: {exc}") from None
        if kind == "ok":
            return value
        if isinstance(value, BaseException):
            value.add_note("(in the process writing the outputs in parallel)\n" + text)
            raise value
        raise ChildFailedError(f"the parallel writer failed:\n{text}")

    def cancel(self) -> None:
        """Stop the child (the caller is failing) and reap it; no-op when done."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self._read is not None:
            os.close(self._read)
            self._read = None
        self._reap()

    def _reap(self) -> int:
        pid, self.pid = self.pid, None
        if pid is None:
            return 0
        while True:
            try:
                return os.waitpid(pid, 0)[1]
            except InterruptedError:
                continue
            except ChildProcessError:
                return 0


def run_tasks(tasks: Sequence[tuple[str, Callable[[], Any]]], *,
              processes: int = 2) -> dict[str, Any]:
    """Run independent tasks (name, function of no arguments) and return name → value in the
    tasks' order.

    With :func:`can_fork`, the caller and one forked child share the work: each takes the
    next task not yet taken (one byte per task in a pipe that both read; a read of one byte
    is atomic), so the two finish together whatever each task costs — list the longest
    first. Otherwise the tasks run one after another in the caller. The first error is
    raised once the caller's own tasks are done (the child's, as :meth:`Child.wait` raises
    it); when the caller fails, the child is stopped.
    """
    if len(tasks) > 255:
        raise ValueError(f"run_tasks takes at most 255 tasks, got {len(tasks)}")
    if len(tasks) < 2 or not can_fork(processes):
        return {name: fn() for name, fn in tasks}
    read, write = os.pipe()
    try:
        os.write(write, bytes(range(len(tasks))))
    finally:
        os.close(write)

    def work() -> dict[str, Any]:
        done: dict[str, Any] = {}
        while claimed := os.read(read, 1):
            name, fn = tasks[claimed[0]]
            done[name] = fn()
        return done

    try:
        child = Child(work)
        try:
            mine = work()
        except BaseException:
            child.cancel()
            raise
    finally:
        os.close(read)
    theirs = child.wait()
    merged = {**mine, **theirs}
    return {name: merged[name] for name, _ in tasks}


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any, str]:
    try:
        return "ok", fn(), ""
    except BaseException as exc:  # sent to the caller, raised there
        return "error", exc, traceback.format_exc()


def _send(fd: int, outcome: tuple[str, Any, str]) -> None:
    try:
        data = pickle.dumps(outcome)
    except Exception:  # an unpicklable value or error: send its text
        _kind, value, text = outcome
        data = pickle.dumps(("error", None, text or f"unpicklable result {value!r}"))
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"killed by {name}"
    return f"exit status {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else str(status)
