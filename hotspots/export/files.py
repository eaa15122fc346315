"""Text files written whole or not at all: a temporary file beside the target, then renamed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic"]


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder (``os.replace``).

    Parameters
    ----------
    path : str or Path
        The file to write; its folder is created if missing.
    text : str
        The whole content.
    encoding : str
        Text encoding.

    Returns
    -------
    Path
        ``path``. A reader never sees a half-written file; on failure the temporary file is
        removed and the previous file, if any, stays.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
