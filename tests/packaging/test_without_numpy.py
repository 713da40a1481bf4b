"""The kiosk bundle ships without numpy (kiosk.spec excludes it): the production path must import and draw
QR codes and receipt previews with numpy unimportable, as in the bundle."""

from __future__ import annotations

import subprocess
import sys

from packaging_support import ROOT, spec_namespace

WITHOUT_NUMPY = """
import importlib.abc, sys

class NoNumpy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "numpy":
            raise ImportError("numpy is not in the kiosk bundle")
        return None

sys.meta_path.insert(0, NoNumpy())
import kiosk_app.cli, kiosk_app.runtime, kiosk_app.cli.app_cmd, kiosk_app.flow.manager, kiosk_app.devices_checks
from drivers.printer.preview import _qr_image
from drivers.qr_render import render_qr
from kiosk_app.devices_checks import camera_check
from kiosk_app.config import load_config
image = render_qr("https://mp.example.invalid/official-account", scale=2)
assert image.version >= 1 and len(image.bottom_up()) == image.width * image.height * 4
assert _qr_image("HELLO", 4).size[0] > 0
cfg = load_config(dev=True)
cam = cfg.model_copy(update={"devices": cfg.devices.model_copy(update={
    "camera": cfg.devices.camera.model_copy(update={"driver": "opencv"})})})
assert not camera_check(cam).ok  # reported, not crashed
print("numpy" in sys.modules)
"""


def test_the_production_path_needs_no_numpy() -> None:
    out = subprocess.run([sys.executable, "-c", WITHOUT_NUMPY], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_spec_leaves_numpy_out_and_strips() -> None:
    spec = spec_namespace()
    assert "numpy" in spec["EXCLUDES"]
    assert "strip=True, upx=False, name=\"kiosk\"" in (ROOT / "kiosk.spec").read_text(encoding="utf-8")
