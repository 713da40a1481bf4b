"""kiosk.spec without building: the data files it collects, and that its excludes do not cut what the CLI imports."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging_support import ROOT, spec_namespace


@pytest.fixture(scope="module")
def spec() -> dict:
    return spec_namespace()


def test_collects_package_data_beside_its_package(spec: dict) -> None:
    datas = {(Path(src).relative_to(ROOT).as_posix(), dest) for src, dest in spec["package_data"]()}
    assert ("kiosk_app/config/dev.toml", "kiosk_app/config") in datas
    assert ("central_api_client/openapi.yaml", "central_api_client") in datas
    assert not any(src.startswith(("tests/", "central_service/")) or src.endswith(".py") for src, _ in datas)


def test_every_packaged_data_pattern_is_collected(spec: dict) -> None:
    """What pyproject ships as package data, the bundle ships too."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    assert {p.removeprefix("*") for p in patterns} <= set(spec["DATA_SUFFIXES"])
    collected = {Path(src) for src, _ in spec["package_data"]()}
    for package in spec["PACKAGES"]:
        for pattern in patterns:
            for path in (ROOT / package).rglob(pattern):
                assert path in collected, path


def test_assets_and_font_land_where_the_code_looks_when_frozen(spec: dict) -> None:
    datas = spec["data_files"]()
    assert (str(ROOT / "assets" / "receipts" / "account_opening.txt"), "assets/receipts") in datas
    assert (str(ROOT / "assets" / "i18n" / "zh_CN.toml"), "assets/i18n") in datas
    fonts = [(Path(src).name, dest) for src, dest in datas if dest == "assets/fonts"]
    from kiosk_app.ui import fonts as ui_fonts

    # kiosk_app.ui.fonts looks in assets/fonts for the Simplified Chinese faces (inside the bundle too)
    assert fonts == [(name, "assets/fonts") for name in ui_fonts.SC_FILES]


def test_a_build_machine_without_the_font_is_told_which_package(spec: dict, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="fonts-noto-cjk"):
        spec["font_data"](tmp_path)


def test_hidden_imports_exist(spec: dict) -> None:
    for name in spec["HIDDEN_IMPORTS"]:
        assert importlib.util.find_spec(name) is not None, name


def test_excludes_do_not_cut_what_the_cli_imports(spec: dict) -> None:
    """A module excluded from the bundle but imported when `kiosk` starts would crash the frozen CLI."""
    code = ("import json, sys, kiosk_app.cli, kiosk_app.devices_checks, kiosk_app.cli.provision_cmd; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=60).stdout
    loaded = set(json.loads(out))
    # sqlite-utils imports numpy when it is there and runs without it: test_without_numpy.py starts the
    # production path with numpy unimportable, as in the bundle.
    optional = {"numpy"}
    assert not loaded & (set(spec["EXCLUDES"]) - optional)


def test_the_entry_point_is_the_kiosk_cli(spec: dict) -> None:
    main = (ROOT / "kiosk_app" / "__main__.py").read_text()
    assert "from kiosk_app.cli import main" in main
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kiosk"] == "kiosk_app.cli:main"
    compile((ROOT / "kiosk.spec").read_text(), "kiosk.spec", "exec")
