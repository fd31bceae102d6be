"""`smartkampung dedup --scheduler tcp://host:8786` / `--local-workers N`: the exact dedup
on a Dask cluster (smartkampung.dask), for lists too large for one machine's memory.
Lists are CSV files (or globs of them) read in blocks by the workers; the report is the
one a registry loaded with the same rows gives (summary, report.json and the report's CSV
files; the per-person sheets need the whole registry and are not written)."""

from __future__ import annotations

import argparse
import contextlib
import pathlib
from typing import Any, Iterator

from .._files import write_atomic
from . import _lists
from ._common import Busy, UsageError, UserError, emit
from ._i18n import t


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ._common import int_option

    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="run on this Dask scheduler (pip install smartkampung[dask]); CSV lists only",
    )
    p.add_argument(
        "--local-workers",
        type=int_option(1, 512),
        metavar="N",
        help="run on N local Dask worker processes (one big machine)",
    )


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "scheduler", None) or getattr(args, "local_workers", None))


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UserError("--scheduler / --local-workers need Dask: pip install smartkampung[dask]") from None
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout="20s")
        except OSError as e:
            raise UserError(f"cannot reach the Dask scheduler {args.scheduler}: {e}") from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=args.local_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _delimiter(path: str) -> str:
    with open(path, "rb") as f:
        head = f.readline().decode("utf-8", "replace")
    return max([",", ";", "\t", "|"], key=head.count)


def run(args: argparse.Namespace) -> int:
    if args.scheduler and args.local_workers:
        raise UsageError("give --scheduler or --local-workers, not both")
    if args.fuzzy or args.save:
        raise UsageError("--fuzzy and --save need the whole registry on one machine; not with a cluster")
    specs = [_lists.parse_list_spec(s) for s in args.lists]
    files = []
    for path, _, _ in specs:
        matches = sorted(pathlib.Path().glob(path)) if any(c in path for c in "*?[") else [pathlib.Path(path)]
        if not matches:
            raise UserError(f"{path}: no such file")
        for m in matches:
            _lists.list_file(str(m))
            if m.suffix.lower() not in (".csv", ".txt"):
                raise UserError(f"{m}: a cluster reads CSV lists only")
        files.append([str(m) for m in matches])
    pairs = _lists.read_exclusions(args.exclusions)
    columns = _lists.parse_columns(getattr(args, "columns", None))
    with _client(args):
        import dask.dataframe as dd

        from .. import dask as skd

        lists = {}
        for (_path, program, level), matches in zip(specs, files):
            lists[(program, level)] = dd.read_csv(
                matches,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                sep=_delimiter(matches[0]),
                encoding="utf-8-sig",
            )
        with Busy("dedup (cluster)"):
            rep = skd.dedup(lists, columns=columns, exclusions=pairs or None)
    from .dedup import summary_of

    summary = summary_of(rep)
    written: list[str] = []
    if args.out:
        out = pathlib.Path(args.out)
        if out.suffix.lower() == ".json":
            write_atomic(out, rep.to_json())
            written.append(str(out))
        else:
            out.mkdir(parents=True, exist_ok=True)
            rep.to_csv(str(out))
            write_atomic(out / "report.json", rep.to_json())
            written += [str(out / "summary.csv"), str(out / "report.json")]
    lines = [f"{t('sum.' + k)}: {v}" for k, v in summary.items()] + [t("written", path=p) for p in written]
    emit(args, {"summary": summary, "written": written}, "\n".join(lines))
    return 0
