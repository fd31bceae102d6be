"""Progress of long calls: a tqdm bar when tqdm is installed and the call is long, silent
otherwise, switchable off per call (``progress=False``) or for the session
(``smartkampung.settings.progress = False``).

A call's ``progress`` argument may also be a callable ``f(done, total) -> bool | None``: it
is called from the library now and then with the rows done so far (increasing); returning
False cancels the call (which raises :class:`smartkampung.Cancelled`).
"""

from __future__ import annotations

from typing import Any, Callable, Optional


class Settings:
    """Session-wide settings: ``progress`` (bool, default True) shows tqdm bars for long
    calls; ``progress_min_rows`` (default 200,000) is the size from which a call is long."""

    def __init__(self) -> None:
        self.progress = True
        self.progress_min_rows = 200_000


settings = Settings()


def callback(progress: Any, total: int, what: str) -> Optional[Callable[[int, int], bool]]:
    """The callable a long call reports to, or None (silent): ``progress`` is True/None (a
    tqdm bar when tqdm is installed, the session allows it and the call is long), False
    (none), or a user callable."""
    if progress is False:
        return None
    if callable(progress):
        return lambda done, total_: progress(done, total_) is not False
    if not settings.progress or total < settings.progress_min_rows:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    bar = tqdm(total=total, desc=what, unit="rec", leave=False)

    def report(done: int, total_: int) -> bool:
        bar.update(done - bar.n)
        if done >= total_:
            bar.close()
        return True

    return report
