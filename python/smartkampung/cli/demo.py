"""`smartkampung demo`: every area of the library on a synthetic Banyuwangi."""

from __future__ import annotations

import argparse

from ._common import int_option

HELP = "run every area on the bundled synthetic Banyuwangi data set"
EXAMPLES = ["smartkampung demo --persons 20000"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed", type=int_option(0, 2**32 - 1), default=2020, help="random seed of the synthetic data (default 2020)"
    )
    p.add_argument(
        "--persons", type=int_option(1, 10_000_000), default=20000, help="synthetic population size (default 20000)"
    )
    p.add_argument("--workdir", default=None, help="keep the generated files in this folder")


def run(args: argparse.Namespace) -> int:
    from .. import demo

    return demo.run(seed=args.seed, persons=args.persons, workdir=args.workdir, as_json=getattr(args, "json", False))
