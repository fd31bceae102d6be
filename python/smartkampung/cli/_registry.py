"""The recipient lists a job reads: a saved registry (--registry) or lists (--list)."""

from __future__ import annotations

import argparse
from typing import Any

import smartkampung as sk

from . import _lists
from ._common import UsageError, existing_file, public_keys
from ._i18n import t


def add_key_options(p: argparse.ArgumentParser) -> None:
    """--pub/--allow-unsigned for a job that reads a saved registry (a signed snapshot is
    verified; with a key configured, an unsigned or resealed one is refused)."""
    p.add_argument(
        "--pub",
        action="append",
        metavar="FILE",
        help="district public key to verify the saved registry with (repeatable; " "default SMARTKAMPUNG_PUB)",
    )
    p.add_argument(
        "--allow-unsigned", action="store_true", help="read an unsigned registry although a public key is configured"
    )


def load_registry(path: str, args: argparse.Namespace) -> Any:
    """A saved registry, verified against the configured public keys (if any)."""
    keys = public_keys(args)
    return sk.Registry.load(
        existing_file(path), public_keys=keys or None, allow_unsigned=bool(getattr(args, "allow_unsigned", False))
    )


def add_registry_options(p: argparse.ArgumentParser, lists: bool = True) -> None:
    p.add_argument("--registry", help="a registry saved by 'dedup --save'")
    add_key_options(p)
    if lists:
        p.add_argument(
            "--list",
            dest="lists",
            action="append",
            metavar="FILE:PROGRAM:LEVEL",
            help="or load programme lists directly (repeatable)",
        )
        _lists.add_intake_options(p)


def open_registry(args: argparse.Namespace) -> Any:
    """The registry of the run; neither --registry nor --list is a usage error: an empty
    registry would answer 'not enrolled' for everyone."""
    if args.registry:
        return load_registry(args.registry, args)
    if getattr(args, "lists", None):
        return _lists.build_registry(args.lists, None, args)[0]
    raise UsageError(t("check_needs_registry"))


def nik_column(table: Any) -> str | None:
    return table.find("nik")
