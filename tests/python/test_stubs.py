"""The checked-in type stubs (_core.pyi) name every public name of the compiled module,
and the package ships py.typed (regenerate with scripts/stubs.sh)."""

import ast

from smartkampung import _core

from conftest import SOURCE_DIR


def test_stub_covers_every_public_name():
    tree = ast.parse((SOURCE_DIR / "python" / "smartkampung" / "_core.pyi").read_text(encoding="utf-8"))
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            defined.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            defined.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    public = {n for n in dir(_core) if not n.startswith("_")}
    missing = sorted(public - defined)
    assert not missing, f"_core.pyi lacks {missing}: run scripts/stubs.sh"


def test_py_typed_is_shipped():
    assert (SOURCE_DIR / "python" / "smartkampung" / "py.typed").exists()
