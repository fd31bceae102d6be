"""The command line's conventions (issue 18): one line and exit 1 or 2 for every bad input,
never a traceback and never a cell's content; a closed pipe ends quietly; a progress bar
only on a terminal; Indonesian and English on every subcommand; and the shape of the
package (one module per subcommand, over the public API)."""

import ast
import os
import pty
import subprocess
import sys

import pytest

from cli_office import BUDI, SITI, office, ok, one_line, run, write_csv
from conftest import SOURCE_DIR

CLI_DIR = SOURCE_DIR / "python" / "smartkampung" / "cli"


@pytest.fixture(scope="module")
def off(tmp_path_factory):
    d = office(tmp_path_factory.mktemp("conv"))
    (d["dir"] / "houses.csv").write_text(
        "id,name,lat,lon,capacity\n1,Rumah A,-8.2,114.3,5\n2,Rumah B,-8.3,114.4,3\n", encoding="utf-8"
    )
    write_csv(d["dir"] / "patients.csv", ["nama", "nik", "lat", "lon"], [["Budi", BUDI["nik"], "-8.25", "114.35"]])
    (d["dir"] / "records.csv").write_text(
        "id,programs,region_kind,lost_livelihood,chronic_illness,in_dtks,islands,head.sex,members\n"
        'K1,,desa,true,false,true,false,M,"[{""nik"": ""3510014501900001"", ""birth_date"": ""1990-01-05""}]"\n',
        encoding="utf-8",
    )
    write_csv(d["dir"] / "reports.csv", ["nik", "kk", "nama"], [["3510011508950005", "3510010101200007", "Dewi"]])
    return d


# ---- the bad inputs of the issue, and more: one line, exit 1 or 2 -------------------------------


def bad_inputs(off, tmp):
    d = off["dir"]
    long_field = tmp / "long.csv"
    long_field.write_text("id,region_kind\nK1," + "x" * 131_073 + "\n", encoding="utf-8")
    latin1 = tmp / "excl.json"
    latin1.write_bytes(
        '{"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk", '
        '"note": "Bantuan Sosial Tunai \u2013 caf\u00e9"}]}'.encode("latin-1", "replace")
    )
    garbage = tmp / "registry.skr"
    garbage.write_bytes(b"not a registry\n" * 10)
    png = tmp / "records.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    broken_book = tmp / "book.xlsx"
    broken_book.write_bytes(b"PK\x03\x04 not really a workbook")
    store = tmp / "certs.jsonl"
    houses, patients, records = d / "houses.csv", d / "patients.csv", d / "records.csv"
    return {
        "field over 131,072 characters": ("eligible", "--program", "bst", long_field),
        "-k -1": ("nearest", "--houses", houses, "-8.2", "114.3", "-k", "-1"),
        "huge -k for assign as a negative": ("assign", "--houses", houses, patients, "-k", str(-(2**64))),
        "huge --id": ("cert", "status", "--store", store, "--id", str(2**64)),
        "huge -n": ("cert", "checkin", "--store", store, "--id", "1", "-n", str(2**40)),
        "huge --capacity": (
            "cert",
            "register",
            "--store",
            store,
            "--id",
            "1",
            "--name",
            "W",
            "--category",
            "warung",
            "--lat",
            "-8.2",
            "--lon",
            "114.3",
            "--capacity",
            str(2**63),
        ),
        "demo --persons 0": ("demo", "--persons", "0"),
        "non-UTF-8 exclusions file": ("dedup", f"{off['pkh']}:PKH:central", "--exclusions", latin1),
        "eligible without --program": ("eligible", records),
        "--program blt-dd": ("eligible", "--program", "blt-dd", records),
        "check without a registry": ("check", SITI["nik"]),
        "a damaged registry": ("check", SITI["nik"], "--registry", garbage),
        "a missing records file": ("eligible", "--program", "bst", tmp / "nope.csv"),
        "a binary file as CSV": ("eligible", "--program", "bst", png),
        "a damaged workbook": ("eligible", "--program", "bst", broken_book),
        "a latitude that is not a number": ("nearest", "--houses", houses, "nan", "114.3"),
        "a latitude out of range": ("nearest", "--houses", houses, "-91", "114.3"),
        "an output folder that does not exist": ("rules", "--out", tmp / "no" / "such" / "dir.xlsx"),
        "an unknown --format": ("rules", "--out", tmp / "r.pdf", "--format", "pdf"),
        "an unknown --delimiter": ("rules", "--out", tmp / "r.csv", "--delimiter", "|"),
        "an unknown --lang": ("rules", "--lang", "jv"),
        "a bad --as-of": ("eligible", "--program", "bst", records, "--as-of", "2020-13-01"),
        "a list without level": ("dedup", str(off["pkh"])),
        "an unknown command": ("nosuchcommand",),
        "report without --registry": ("report", d / "reports.csv"),
        "a houses file with no house": ("nearest", "--houses", records, "-8.2", "114.3"),
        "patients without coordinates": ("assign", "--houses", houses, records),
        "an invalid NIK to check": ("check", "12345", "--registry", off["registry"]),
    }


def test_every_bad_input_is_one_line_without_traceback(off, tmp_path):
    cases = bad_inputs(off, tmp_path)
    assert len(cases) >= 17
    for what, args in cases.items():
        proc = run(*args)
        assert proc.returncode in (1, 2), (what, proc.returncode, proc.stderr)
        msg = one_line(proc)
        assert "Traceback" not in proc.stderr, what
        assert "x" * 100 not in msg, what  # the long cell is not repeated


def test_bad_input_messages_name_file_line_and_field(off, tmp_path):
    cases = bad_inputs(off, tmp_path)
    assert "long.csv:2" in one_line(run(*cases["field over 131,072 characters"]))
    assert "excl.json" in one_line(run(*cases["non-UTF-8 exclusions file"]))
    assert "book.xlsx" in one_line(run(*cases["a damaged workbook"]))
    assert one_line(run(*cases["check without a registry"]), codes=(2,))
    assert one_line(run(*cases["eligible without --program"]), codes=(2,))


# ---- a closed pipe ---------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1])
def test_head_closes_the_pipe_quietly(off, tmp_path, lines):
    rec = tmp_path / "many.csv"
    row = ',,desa,true,false,true,false,M,"[{""nik"": ""3510014501900001"", ""birth_date"": ""1990-01-05""}]"\n'
    rec.write_text(
        "id,programs,region_kind,lost_livelihood,chronic_illness,in_dtks,islands,head.sex,members\n"
        + "".join(f"K{i}" + row for i in range(6000)),
        encoding="utf-8",
    )
    for argv in (
        ["eligible", "--program", "bst", str(rec), "--as-of", "2020-05-01"],
        ["rules"],
        ["nik"] + [SITI["nik"]] * 3000,
        ["--help"],
        ["cert", "--help"],
    ):
        script = (
            f"{sys.executable} -m smartkampung {' '.join(repr(a) for a in argv)} 2>{tmp_path}/err | head -{lines}"
            "; exit ${PIPESTATUS[0]}"
        )
        proc = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, timeout=300, env=dict(os.environ, LANG="C.UTF-8")
        )
        assert proc.returncode == 0, (argv[0], proc.returncode, (tmp_path / "err").read_text())
        assert len(proc.stdout.splitlines()) == lines
        assert (tmp_path / "err").read_text() == "", argv[0]


# ---- progress --------------------------------------------------------------------------------


def test_progress_bar_only_on_a_terminal(off, tmp_path):
    rec = off["dir"] / "records.csv"
    proc = run("eligible", "--program", "bst", rec, "--as-of", "2020-05-01", env={"SMARTKAMPUNG_PROGRESS_DELAY": "0"})
    assert proc.stderr == ""  # a pipe: nothing
    leader, follower = pty.openpty()
    env = dict(os.environ, SMARTKAMPUNG_PROGRESS_DELAY="0", LANG="C.UTF-8")
    p = subprocess.run(
        [sys.executable, "-m", "smartkampung", "eligible", "--program", "bst", str(rec), "--as-of", "2020-05-01"],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        timeout=300,
    )
    os.close(follower)
    seen = b""
    try:
        while True:
            chunk = os.read(leader, 4096)
            if not chunk:
                break
            seen += chunk
    except OSError:
        pass
    os.close(leader)
    assert p.returncode == 0
    assert b"eligible [" in seen and b"100%" in seen
    assert b"eligible [" not in p.stdout


# ---- languages -------------------------------------------------------------------------------


def every_subcommand(off, tmp):
    d = off["dir"]
    return {
        "demo": ("demo", "--persons", "300"),
        "nik": ("nik", SITI["nik"], "--out", tmp / "nik.xlsx"),
        "dedup": ("dedup", f"{off['pkh']}:PKH:central", "--out", tmp / "dedup.xlsx"),
        "replace": ("replace", "--registry", tmp / "copy.skr", f"{off['pkh']}:PKH:central", "--out", tmp / "r.xlsx"),
        "check": ("check", SITI["nik"], "--registry", off["registry"]),
        "report": ("report", d / "reports.csv", "--registry", off["registry"], "--out", tmp / "rep.xlsx"),
        "eligible": ("eligible", "--program", "bst", d / "records.csv", "--out", tmp / "el.xlsx"),
        "rules": ("rules", "--out", tmp / "rules.xlsx"),
        "nearest": ("nearest", "--houses", d / "houses.csv", d / "patients.csv", "--out", tmp / "near.xlsx"),
        "assign": ("assign", "--houses", d / "houses.csv", d / "patients.csv", "--out", tmp / "as.xlsx"),
        "cert": ("cert", "keygen", "--out", tmp / "keys"),
    }


WORDS = {
    "nik": ("kecamatan", "district"),
    "dedup": ("dimuat", "loaded"),
    "replace": ("ditolak", "rejected"),
    "check": ("menerima", "receives"),
    "report": ("Ringkasan", "Summary"),
    "eligible": ("Ringkasan", "Summary"),
    "rules": ("ditulis", "written"),
    "nearest": ("Ringkasan", "Summary"),
    "assign": ("Ringkasan", "Summary"),
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_subcommand_speaks_both_languages(off, tmp_path, lang):
    import shutil

    from cli_office import read_xlsx

    shutil.copy(off["registry"], tmp_path / "copy.skr")
    for name, args in every_subcommand(off, tmp_path).items():
        if name == "cert" and (tmp_path / "keys").exists():
            shutil.rmtree(tmp_path / "keys")
        proc = run(*args, "--lang", lang, lang=None)
        assert proc.returncode == 0, (name, proc.stderr)
        if name in WORDS:
            word = WORDS[name][0 if lang == "id" else 1]
            assert word in proc.stdout, (name, lang, proc.stdout[-500:])
        out = next((a for a in args if str(a).endswith(".xlsx")), None)
        if out is not None:
            first = list(read_xlsx(out))[0]
            assert first == ("Ringkasan" if lang == "id" else "Summary"), name
        # A usage error in the chosen language too.
        msg = one_line(run(name, "--lang", lang, "--no-such-option", lang=None), codes=(2,))
        assert ("galat" if lang == "id" else "error") in msg, (name, msg)


def test_the_locale_decides_the_default_language(off):
    proc = run("check", SITI["nik"], "--registry", off["registry"], lang="id")
    assert "menerima" in proc.stdout
    proc = run("check", SITI["nik"], "--registry", off["registry"], lang="en")
    assert "receives" in proc.stdout
    proc = run("check", SITI["nik"], "--registry", off["registry"], "--lang", "en", lang="id")
    assert "receives" in proc.stdout


# ---- the package's shape ---------------------------------------------------------------------


def test_one_module_per_subcommand_over_the_public_api():
    from smartkampung import cli

    for name in cli.COMMANDS:
        path = CLI_DIR / f"{name}.py"
        assert path.exists(), name
        mod = __import__(f"smartkampung.cli.{name}", fromlist=["run"])
        for attr in ("HELP", "EXAMPLES", "add_arguments", "run"):
            assert hasattr(mod, attr), (name, attr)
    for path in list(CLI_DIR.glob("*.py")) + [SOURCE_DIR / "python" / "smartkampung" / "demo.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("_core" in n or n.endswith("_cli") for n in names), (path.name, names)


def test_entry_points():
    import tomllib

    meta = tomllib.loads((SOURCE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    target = meta["project"]["scripts"]["smartkampung"]
    module, func = target.split(":")
    mod = __import__(module, fromlist=[func])
    assert callable(getattr(mod, func))
    assert getattr(mod, func)(["rules", "--json"]) == 0
    assert "Example:" in ok(run("--help")).stdout
    for name in mod.COMMANDS:
        out = ok(run(name, "--help")).stdout
        assert "Example:" in out and f"smartkampung {name}" in out, name


def test_usage_errors_do_not_repeat_what_they_refuse(off):
    for args in (
        ("check", SITI["nik"], BUDI["nik"], "--registry", off["registry"]),
        ("rules", "--lang", SITI["nik"]),
        ("rules", "--format", "Siti Aminah"),
        ("nearest", "--houses", off["dir"] / "houses.csv", SITI["nik"], "114.3"),
    ):
        msg = one_line(run(*args), codes=(2,))  # run() scans for NIKs; the name is checked here
        assert "Siti" not in msg and "3510" not in msg, msg
