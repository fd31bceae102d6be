"""The smartkampung command-line tool (``python -m smartkampung`` or ``smartkampung``).

One module per subcommand, each holding its arguments (``add_arguments``) and its handler
(``run``), over the public Python API. This file builds the parser from them and is the one
place that turns errors into exit codes: 0 success, 1 bad input, 2 usage error, each a
single line on stderr naming file, line and field, never a traceback and never a cell's
content; a closed pipe (``| head -1``) ends quietly with 0.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from typing import NoReturn, Sequence

from ._common import UsageError, UserError
from ._i18n import LANGS, locale_lang, set_lang, t

#: The subcommands in the order --help lists them; each is the module of the same name.
COMMANDS = (
    "demo",
    "nik",
    "dedup",
    "replace",
    "check",
    "report",
    "eligible",
    "rules",
    "nearest",
    "assign",
    "cert",
    "serve",
)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the whole usage first)
    that does not repeat the values it refuses: a stray word may be a NIK or a name."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            words = message.split(":", 1)[1].split()
            options = [w for w in words if w.startswith("-")]
            others = len(words) - len(options)
            message = "unrecognized arguments: " + ", ".join(
                options + ([f"{others} more value{'s' if others > 1 else ''}"] if others else [])
            )
        else:
            # "invalid choice: 'x'", "invalid float value: 'x'": the value goes, the rest stays
            message = re.sub(r"(invalid [\w ]+?): '[^']*'", r"\1", message)
        raise UsageError(f"{message} (see {self.prog} --help)")


def _module(name: str):
    return importlib.import_module(f".{name}", __name__)


def _common_options(lang_default: object) -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    common.add_argument(
        "--lang",
        choices=LANGS,
        default=lang_default,
        help="language of messages, headings and summaries (default: Indonesian when the "
        "locale is, else English); reason codes are the same in both",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the tool (every subcommand has --help with an example)."""
    import smartkampung as sk

    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="smartkampung",
        formatter_class=fmt,
        parents=[_common_options(None)],
        description="Smart Kampung: social-aid dedup, online reports, eligibility, isolation houses, " "certificates.",
        epilog="Example:\n  smartkampung demo\n  smartkampung dedup pkh.csv:PKH:central bst.csv:BST:central "
        "--out laporan/",
    )
    parser.add_argument("--version", action="version", version=f"smartkampung {sk.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    common = _common_options(argparse.SUPPRESS)  # a subcommand's --lang overrides the top one
    for name in COMMANDS:
        mod = _module(name)
        p = sub.add_parser(
            name,
            help=mod.HELP,
            description=mod.HELP,
            formatter_class=fmt,
            parents=[common],
            epilog="Example:\n  " + "\n  ".join(mod.EXAMPLES),
        )
        mod.add_arguments(p, common)
    return parser


def _lang_from_argv(argv: Sequence[str]) -> str:
    """The language asked for on the command line, read before parsing so that a usage
    error is already in it."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGS:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    return locale_lang()


def _one_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:2000]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the tool; returns the exit code (0 ok, 1 bad input, 2 usage error)."""
    import smartkampung as sk

    argv = list(sys.argv[1:] if argv is None else argv)
    set_lang(_lang_from_argv(argv))
    command = next((a for a in argv if a in COMMANDS), None)
    prog = f"smartkampung {command}" if command else "smartkampung"
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as e:  # --help and --version
            sys.stdout.flush()
            return int(e.code or 0)
        set_lang(args.lang or locale_lang())
        prog = f"smartkampung {args.command}"
        code = int(_module(args.command).run(args) or 0)
        sys.stdout.flush()  # here, so that a reader gone away is seen by the handler below
        return code
    except UsageError as e:
        _say(prog, str(e))
        return 2
    except UserError as e:
        _say(prog, str(e))
        return 1
    except sk.Error as e:
        # The library's messages name file, line and field and carry no personal data (issue 16).
        _say(prog, str(e) or type(e).__name__)
        return 1
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            return _closed_pipe()
        where = e.filename if e.filename is not None else "?"
        _say(prog, t("os_error", path=where, reason=e.strerror or type(e).__name__))
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug of ours: one line, no data; the traceback on request
        if os.environ.get("SMARTKAMPUNG_DEBUG"):
            raise
        _say(prog, t("internal_error", kind=type(e).__name__))
        return 3


#: A NIK or KK (16 digits, maybe in groups of four) that reached a message by a path we did
#: not foresee: masked as the public check masks it, a last guard.
_NIK_LIKE = re.compile(r"(?<!\d)(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})(?!\d)")


def _say(prog: str, message: str) -> None:
    message = _NIK_LIKE.sub(lambda m: m.group(1) + "*" * 8 + m.group(4), _one_line(message))
    try:
        print(f"{prog}: {t('error')}: {message}", file=sys.stderr)
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def _closed_pipe() -> int:
    """The reader of our output went away (``| head -1``): not an error of ours. Standard
    output is pointed at /dev/null so that the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except OSError:
        pass
    return 0
