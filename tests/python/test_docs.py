"""Every public name has documentation: Python docstrings, C++ and C header comments."""

import inspect
import pathlib
import re

import smartkampung as sk

from conftest import SOURCE_DIR


def _public_members(obj):
    for name, member in inspect.getmembers(obj):
        if name.startswith("_"):
            continue
        yield name, member


def test_every_public_python_name_has_a_docstring():
    missing = []
    for name in sk.__all__:
        obj = getattr(sk, name)
        if name == "__version__" or isinstance(obj, (str, int, float)):
            continue
        if not (getattr(obj, "__doc__", None) or "").strip():
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for member_name, member in _public_members(obj):
                if isinstance(member, (int, str, float)):
                    continue
                if member_name in {"mro"}:
                    continue
                doc = getattr(member, "__doc__", None) or ""
                if not doc.strip():
                    missing.append(f"{name}.{member_name}")
    assert not missing, f"public names without a docstring: {missing}"


# A declaration line of an exported function: the export macro, a return type, a name and "(".
_DECL = re.compile(r"^\s*SMARTKAMPUNG_EXPORT\s+[^;{]*?\b(\w+)\s*\(")


def _undocumented_declarations(path: pathlib.Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _DECL.match(line)
        if not m:
            continue
        # The comment may sit directly above, possibly above a run of overloads.
        j = i - 1
        while j >= 0 and _DECL.match(lines[j]):
            j -= 1
        above = lines[j].strip() if j >= 0 else ""
        if not (above.startswith("//") or above.endswith("*/") or above.startswith("*")):
            out.append(f"{path.name}:{i + 1} {m.group(1)}")
    return out


def test_every_exported_function_in_the_headers_is_documented():
    include = SOURCE_DIR / "include" / "smartkampung"
    headers = sorted(include.glob("*.hpp")) + sorted((include / "c").glob("*.h"))
    assert headers, "no public headers found"
    missing = []
    for h in headers:
        missing += _undocumented_declarations(h)
    assert not missing, "exported functions without a comment:\n" + "\n".join(missing)
