"""examples/notebook.ipynb runs headless from top to bottom, so that it never rots."""

import nbformat
from nbclient import NotebookClient

from conftest import SOURCE_DIR


def test_notebook_executes(tmp_path):
    nb = nbformat.read(SOURCE_DIR / "examples" / "notebook.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    # The kernel inherits this process's PYTHONPATH, so it imports the smartkampung under test.
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    outputs = [c.get("outputs") for c in nb.cells if c.cell_type == "code"]
    assert all(outputs[1:]), "every analysis cell produces output"
