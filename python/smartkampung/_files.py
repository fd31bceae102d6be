"""The one atomic writer for every file the package writes (CLI outputs, sticker files)."""

from __future__ import annotations

import os
import pathlib
import tempfile


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Writes an output file (text as UTF-8, or bytes) so that a reader (or a kill -9) never
    sees it half written: a fresh temporary beside it (mkstemp: created exclusively, mode
    0600, as the outputs hold personal data), flushed, then renamed over the target. The
    temporary goes on failure."""
    target = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
