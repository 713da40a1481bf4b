"""Runs `kiosk app` (the real CLI command, the real Kivy app offscreen) and lets a test play the customer's touches.

Started by tests/production as `python app_player.py --config FILE app`. It adds only a player on Kivy's
clock: each new screen is printed as `screen STEP_ID`; lines on stdin act like a person at the screen:
`press ACTION` triggers the button of that action (for `sign` it first draws a stroke on the signature
pad), `shot PATH` saves a screenshot, `quit` prints the `drivers.sim` modules this process has loaded
(`sim-modules [...]`) and stops the app. Everything else (devices, central) is the production wiring.
"""

from __future__ import annotations

import json
import sys
import threading


def _sim_modules() -> list[str]:
    return sorted(m for m in sys.modules if m.startswith("drivers.sim") or m == "kiosk_app.devices_sim")


def _say(line: str) -> None:
    print(line, flush=True)


def _install_player() -> None:
    from kivy.app import App
    from kivy.clock import Clock

    shown: list[object] = [None]

    def watch(dt: float) -> None:
        current = getattr(App.get_running_app(), "current", None)
        if current is not None and current is not shown[-1]:  # every screen shown, also a repeated step
            shown.append(current)
            _say(f"screen {current.step_id}")

    def press(action: str) -> None:
        app = App.get_running_app()
        label = app.texts.action(action)
        if action == "sign":
            pads = [w for w in app.root_box.walk() if hasattr(w, "strokes")]
            pads[0].strokes.append([100.0, 100.0, 180.0, 140.0, 260.0, 110.0])
        buttons = [w for w in app.root_box.walk() if getattr(w, "text", None) == label and hasattr(w, "trigger_action")]
        if not buttons:
            _say(f"error no button {action}")
            return
        buttons[0].trigger_action(0)

    def shot(path: str) -> None:
        from kivy.core.window import Window

        _say(f"shot {Window.screenshot(name=path)}")

    def quit_app() -> None:
        _say(f"sim-modules {json.dumps(_sim_modules())}")
        App.get_running_app().stop()

    def handle(line: str) -> None:
        verb, _, arg = line.strip().partition(" ")
        {"press": lambda: press(arg), "shot": lambda: shot(arg), "quit": quit_app}[verb]()

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                Clock.schedule_once(lambda dt, line=line: handle(line))

    Clock.schedule_interval(watch, 0.05)
    threading.Thread(target=read_stdin, name="player-stdin", daemon=True).start()


def main() -> None:
    from kiosk_app.cli import cli

    _install_player()
    try:
        cli.main(args=sys.argv[1:], prog_name="kiosk", standalone_mode=False)
    finally:
        _say(f"exit sim-modules {json.dumps(_sim_modules())}")


if __name__ == "__main__":
    main()
