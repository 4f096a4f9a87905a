"""Shared fixtures: the package under test is imported from PYTHONPATH (CTest sets it to the
repository's python/ directory); the CLI from GOODHART_CLI or build/dev."""

import os
import shutil

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
SMALL = os.path.join(DATA, "small.yaml")
BAD = os.path.join(DATA, "bad.yaml")


@pytest.fixture(scope="session")
def small_result():
    import goodhart

    return goodhart.run(SMALL, progress=False)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("GOODHART_CLI") or os.path.join(REPO, "build", "dev", "cli", "goodhart")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        path = shutil.which("goodhart") or path
    assert os.path.isfile(path), (
        f"the goodhart CLI is needed to check CLI/Python agreement; not found at {path} "
        "(set GOODHART_CLI)")
    return os.path.abspath(path)
