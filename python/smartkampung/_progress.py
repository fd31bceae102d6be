"""Progress of long calls: a tqdm bar when tqdm is installed and the call is long, silent
otherwise, switchable off per call (``progress=False``) or for the session
(``smartkampung.settings.progress = False``).

A call's ``progress`` argument may also be a callable ``f(done, total) -> bool | None``: it
is called from the library now and then with the work done so far (increasing, the last
call with ``done == total``); returning False cancels the call (which raises
:class:`smartkampung.Cancelled` and changes nothing). Each call counts its own unit:

=================================================  =====================================
call                                               unit of ``done`` and ``total``
=================================================  =====================================
``RuleSet.evaluate_batch``                         rows
``Registry.load_csv``, ``replace_program`` (file)  bytes of the file's data
``Registry.add_records``, ``replace_program``,     rows
``load_csv`` of a workbook
``Registry.dedup``                                 stages (exact dedup, link's 6, report)
``sk.link``, ``Linker.fit``                        stages (prepare, block, compare, train,
                                                   score, cluster)
``Registry.save``, ``Registry.load``               stages (3)
``FacilityIndex.nearest_batch``                    queries
``FacilityIndex.assign``, ``assign_report``        residents (optimal: 2 n + 1: greedy,
                                                   candidates, the solver)
=================================================  =====================================

A call is long (a bar is shown, once it has run ``settings.progress_delay`` seconds) from
``settings.progress_min_rows`` rows or records; a file from that many times 100 bytes.
"""

from __future__ import annotations

from typing import Any, Callable, Optional


class Settings:
    """Session-wide settings: ``progress`` (bool, default True) shows tqdm bars for long
    calls; ``progress_min_rows`` (default 200,000) is the size from which a call is long;
    ``progress_delay`` (seconds, default 1.0) how long it runs before its bar appears."""

    def __init__(self) -> None:
        self.progress = True
        self.progress_min_rows = 200_000
        self.progress_delay = 1.0


settings = Settings()


def callback(progress: Any, total: int, what: str, unit: str = "rec") -> Optional[Callable[[int, int], bool]]:
    """The callable a long call reports to, or None (silent): ``progress`` is True/None (a
    tqdm bar when tqdm is installed, the session allows it and the call is long: ``total``
    rows or records, or bytes over 100 when ``unit`` is "B"), False (none), or a user
    callable. The bar takes its total from the reports (a call may count stages)."""
    if progress is False:
        return None
    if callable(progress):
        return lambda done, total_: progress(done, total_) is not False
    size = total // 100 if unit == "B" else total
    if not settings.progress or size < settings.progress_min_rows:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # Shown only once the call has run a while: a large but fast call stays silent.
    bar = tqdm(total=None, desc=what, unit=unit, unit_scale=unit == "B", leave=False, delay=settings.progress_delay)

    def report(done: int, total_: int) -> bool:
        if bar.total != total_:
            bar.total = total_  # shown by the update below (refresh() would ignore the delay)
        bar.update(done - bar.n)
        if done >= total_:
            bar.close()
        return True

    return report
