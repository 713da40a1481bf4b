"""The production device path end to end: `kiosk app --config` on the example config, every device on a pty or
a PC/SC reader as on a real kiosk, a PIN pad whose working key was loaded by `kiosk pinpad load-key`. The app
runs in its own process (offscreen Kivy); the customer plays the emulators here and touches the screen
through the player; the app's process must never have imported `drivers.sim`."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from production_support import EXAMPLE_KEY_ID, ROOT, example_config, kiosk, serial_rig

from central_api_client import CentralClient
from central_service.testing import running_service, sqlite_settings
from kiosk_app import __version__
from kiosk_app.demo.environment import BRANCH, make_customer
from kiosk_app.demo.script import Setup
from kiosk_app.update.health import read_mark

pytestmark = pytest.mark.ui
PLAYER = Path(__file__).with_name("app_player.py")


class Player:
    """The app's process and its `screen ...` lines; waits are bounded."""

    def __init__(self, config: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, str(PLAYER), "--config", str(config), "app"], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("<eof>")

    def next(self, prefix: str, timeout: float = 30.0) -> str:
        """The rest of the next line starting with `prefix` (other lines are kept in `seen` for the failure)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if line == "<eof>":
                break
            if line.startswith(prefix + " "):
                return line[len(prefix) + 1:]
        raise AssertionError(f"no {prefix!r} line; the app said:\n" + "\n".join(self.seen[-40:]))

    def screen(self, step_id: str, timeout: float = 30.0) -> None:
        while (shown := self.next("screen", timeout)) != step_id:
            pass
        assert shown == step_id

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def press(self, action: str, then: str) -> None:
        self.send(f"press {action}")
        self.screen(then)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def _looked_at(player: Player, path: Path) -> np.ndarray:
    player.send(f"shot {path}")
    saved = player.next("shot")
    return np.asarray(Image.open(saved).convert("RGB"))


def test_kiosk_app_on_the_example_config_completes_a_journey_without_drivers_sim(tmp_path: Path) -> None:
    (tmp_path / "central").mkdir(exist_ok=True)
    with running_service(sqlite_settings(tmp_path / "central")) as central, serial_rig() as sims:
        _, bearer = central.admin.add_kiosk(BRANCH, "production-path kiosk")
        (tmp_path / "token").write_text(bearer, encoding="utf-8")
        config = example_config(tmp_path, sims, central_url=central.url, branch_id=BRANCH)
        with CentralClient(central.url, bearer_token=bearer) as client:
            (tmp_path / "token-keys.json").write_text(client.get_keys().model_dump_json(), encoding="utf-8")
        customer = make_customer(central.admin, Setup(services=[]), date.today())
        delivery, _ = sims.key_ceremony.delivery(EXAMPLE_KEY_ID)
        (tmp_path / "key.json").write_text(delivery.model_dump_json(), encoding="utf-8")
        loaded = kiosk("--config", str(config), "pinpad", "load-key", str(tmp_path / "key.json"))
        assert loaded.returncode == 0, loaded.stderr

        player = Player(config)
        try:
            player.screen("idle", timeout=60)
            mark = read_mark(tmp_path / "run" / "app-health.json")  # what `kiosk update` waits for
            assert mark is not None and mark.version == __version__ and mark.pid == player.proc.pid
            sims.scanner.show(customer.token)
            player.screen("await_id_card")
            sims.idcard.place_card(customer.card())
            player.screen("review")
            sims.idcard.remove_card()
            review = _looked_at(player, tmp_path / "review.png")
            assert review.std() > 10
            player.press("confirm", "tax_residency")
            player.press("confirm", "risk_assessment")
            player.press("confirm", "agreements")
            player.press("agree", "agreements")
            player.press("agree", "agreements")
            player.press("agree", "sensitive_consent")
            player.press("consent", "signature")
            player.press("sign", "services")
            player.press("confirm", "pin_first")
            sims.pinpad.press("258036", "enter", "258036", "enter")
            deadline = time.monotonic() + 30
            while sims.dispenser.snapshot()["gate"] is None:
                assert time.monotonic() < deadline, "no card was presented at the gate"
                time.sleep(0.05)
            sims.dispenser.take_card()
            player.screen("thank_you")
            assert _looked_at(player, tmp_path / "thank_you.png").std() > 10
            player.press("done", "idle")
            player.send("quit")
            assert json.loads(player.next("sim-modules")) == []
            assert json.loads(player.next("exit sim-modules", timeout=30)) == []
            assert player.proc.wait(30) == 0
        finally:
            player.close()
        log = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "log").glob("*"))
        assert customer.id_number not in log and customer.name not in log
