"""The one-folder bundle, built once per test session for the long packaging tests (bundle, size, image).

PyInstaller is not a project dependency: it is installed into a throwaway folder (`pip install --target`) and
run with the project's interpreter, so the project venv is left as it was. Without the package registry the
tests skip, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging_support import ROOT, SPEC

PYINSTALLER = "pyinstaller~=6.22"


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    site = work / "pyinstaller"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(site), PYINSTALLER],
                         capture_output=True, text=True, timeout=300)
    if pip.returncode != 0:
        pytest.skip(f"cannot install {PYINSTALLER} (no package registry?): {pip.stderr.strip()[-300:]}")
    env = {**os.environ, "PYTHONPATH": str(site)}
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", str(work / "dist"),
         "--workpath", str(work / "build"), str(SPEC)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return work / "dist" / "kiosk"
