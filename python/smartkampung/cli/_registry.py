"""The recipient lists a job reads: a saved registry (--registry) or lists (--list)."""

from __future__ import annotations

import argparse
from typing import Any

import smartkampung as sk

from . import _lists
from ._common import UsageError, existing_file
from ._i18n import t


def add_registry_options(p: argparse.ArgumentParser, lists: bool = True) -> None:
    p.add_argument("--registry", help="a registry saved by 'dedup --save'")
    if lists:
        p.add_argument("--list", dest="lists", action="append", metavar="FILE:PROGRAM:LEVEL",
                       help="or load programme lists directly (repeatable)")
        _lists.add_intake_options(p)


def open_registry(args: argparse.Namespace) -> Any:
    """The registry of the run; neither --registry nor --list is a usage error: an empty
    registry would answer 'not enrolled' for everyone."""
    if args.registry:
        return sk.Registry.load(existing_file(args.registry))
    if getattr(args, "lists", None):
        return _lists.build_registry(args.lists, None, args)[0]
    raise UsageError(t("check_needs_registry"))


def nik_column(table: Any) -> str | None:
    return table.find("nik")
