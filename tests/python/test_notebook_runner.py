"""scripts/run-notebook must fail on a cell that raises, and run the package's kernel."""

import os
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO

RUNNER = os.path.join(REPO, "scripts", "run-notebook")


def write(tmp_path, *cells):
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


@pytest.mark.parametrize("cells,rc", [
    (["import goodhart, sys", "assert sys.executable == %r" % sys.executable,
      "goodhart.__version__"], 0),
    (["x = 1", "raise RuntimeError('boom')"], 1),
])
def test_runner_exit_code(tmp_path, cells, rc):
    r = subprocess.run([sys.executable, RUNNER, str(write(tmp_path, *cells)), "--timeout", "120"],
                       capture_output=True, text=True)
    assert r.returncode == rc, r.stderr
    if rc:
        assert "boom" in r.stderr and "\x1b[" not in r.stderr


def test_committed_notebooks_are_generated_and_have_no_outputs():
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make-notebooks"),
                        "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in sorted(os.listdir(os.path.join(REPO, "notebooks"))):
        if name.endswith(".ipynb"):
            nb = nbformat.read(os.path.join(REPO, "notebooks", name), as_version=4)
            assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), name
