"""Writing a run folder safely: one lock per folder, a temporary folder swapped in at the end,
leftovers of killed runs recovered, and the output location checked before any analysis."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hotspots._errors import (
    DiskFullError,
    OutputExistsError,
    RunLockedError,
    os_error,
)

__all__ = ["check_output_location", "folder_lock", "recover", "space_needed", "swap_in"]

#: free space asked of the output location before a run starts, on top of a few times the
#: inputs' size (see :func:`space_needed`): the temporary and the previous folder coexist
#: during the swap
BASE_FREE_BYTES = 64 * 1024 * 1024


def space_needed(input_bytes: int) -> int:
    """Free bytes a run asks for: 64 MB plus three times its inputs (maps, layers, liaison)."""
    return BASE_FREE_BYTES + 3 * max(0, int(input_bytes))


def check_output_location(folder: Path, *, min_free_bytes: int = BASE_FREE_BYTES) -> None:
    """Fail before any analysis when ``folder``'s parent cannot be written or has no room.

    Creates the parent folders, writes and removes a probe file, and compares the free space
    with ``min_free_bytes``.
    """
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".hotspots-probe-", dir=parent)
        try:
            os.write(fd, b"hotspots")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise os_error(exc, where=parent) from exc
    free = shutil.disk_usage(parent).free
    if free < min_free_bytes:
        raise DiskFullError(
            f"only {free / 2**20:.0f} MB free on the device holding {parent}; a run needs "
            f"about {min_free_bytes / 2**20:.0f} MB. Fix: free disk space there or choose "
            "another --out folder; nothing was written.")


@contextmanager
def folder_lock(folder: Path, *, wait_s: float = 0.0) -> Iterator[Path]:
    """Hold the lock of run folder ``folder`` (``.locks/<name>.lock`` beside it) while writing it.

    The lock is an ``flock`` on that file, so it is released when the process ends however
    it ends (killed, rebooted): it never goes stale. A second run of the same folder waits up
    to ``wait_s`` seconds, then raises :class:`RunLockedError` naming the holder.
    """
    locks = folder.parent / ".locks"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        path = locks / f"{folder.name}.lock"
        fh = open(path, "a+")
    except OSError as exc:
        raise os_error(exc, where=folder.parent) from exc
    try:
        deadline = time.monotonic() + max(0.0, wait_s)
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise RunLockedError(
                        f"{folder} is being written by another run ({holder}). Fix: wait for "
                        "it to finish (or pass --wait SECONDS), or stop that run.") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        yield path
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def recover(folder: Path) -> list[str]:
    """Clean up after killed runs of ``folder``; call it while holding :func:`folder_lock`.

    With the lock held no other run of this folder is alive, so every ``.<name>.tmp-*`` is
    a leftover (removed), and a ``.<name>.old-*`` is the previous good folder set aside by a
    swap that was interrupted: it is put back when ``folder`` is missing, else removed.
    Whatever process ids their names carry (a reboot or a container reuses them).
    Returns what was done, for the log.
    """
    parent = folder.parent
    done: list[str] = []
    if not parent.is_dir():
        return done
    for tmp in sorted(parent.glob(f".{folder.name}.tmp-*")):
        shutil.rmtree(tmp, ignore_errors=True)
        done.append(f"removed the leftover {tmp.name}")
    for old in sorted(parent.glob(f".{folder.name}.old-*")):
        if not folder.exists():
            old.rename(folder)  # the previous good outputs come back
            done.append(f"restored {folder.name} from {old.name}")
        else:
            shutil.rmtree(old, ignore_errors=True)
            done.append(f"removed the leftover {old.name}")
    return done


@contextmanager
def swap_in(folder: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder; on success replace ``folder`` with it, on failure remove it.

    The temporary folder is ``.<name>.tmp-<pid>-<random>`` beside ``folder``; the swap is two
    renames (the old folder aside as ``.<name>.old-*``, the new one in place). A run killed
    at any point leaves either the old folder or the new one in place, plus leftovers that
    :func:`recover` handles. OSErrors (disk full, permissions) become user errors.
    """
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(f"{folder} already holds outputs; pass --overwrite to "
                                "replace them")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-{os.getpid()}-",
                                    dir=folder.parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs are shared like any folder
    except OSError as exc:
        raise os_error(exc, where=folder.parent) from exc
    try:
        yield tmp
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, where=folder) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    try:
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}-{time.time_ns()}")
            folder.rename(old)
        tmp.rename(folder)
    except OSError as exc:
        if old is not None and not folder.exists():
            old.rename(folder)
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, where=folder) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
