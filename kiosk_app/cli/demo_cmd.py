"""`kiosk demo`: the whole kiosk in rehearsal — central service (embedded SQLite), sync agent, emulated devices.

Headless (no display, or --headless) it plays journey scripts and prints what happened; with a display it
opens the touchscreen app on a rehearsal kiosk, and the keyboard plays the customer's hands.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from kiosk_app.assets import assets_dir
from kiosk_app.demo.runner import RunReport, run_script
from kiosk_app.demo.script import ScriptError, load_script
from kiosk_app.logs import configure_logging

PHONE_PAGES_HINT = ("`central serve --print-sms`, then open http://127.0.0.1:8765/phone/ at phone size (the sign-in "
                    "code is printed); every page: docs/screens/phone/index.html")


def _print_report(report: RunReport, *, journal: bool) -> None:
    status = "ok" if report.ok else "FAILED"
    click.echo(f"{report.name}: {status} — outcome {report.outcome}, {len(report.screens)} screens, "
               f"{report.touches} touches, {report.seconds:.1f} s")
    for problem in report.problems:
        click.echo(f"  problem: {problem}")
    if journal:
        click.echo("  journal (masked):")
        for line in report.journal:
            click.echo(f"    {line}")


@click.command("demo")
@click.option("--headless/--window", default=None, help="Force headless or window mode (default: window if a display).")
@click.option("--script", "scripts", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Journey script(s) to play (default: every script in assets/journeys).")
@click.option("--workdir", type=click.Path(file_okay=False), default=None, help="Where the rehearsal keeps its files.")
@click.option("--quiet-journal", is_flag=True, help="Do not print the journal of each run.")
def demo(headless: bool | None, scripts: tuple[str, ...], workdir: str | None, quiet_journal: bool) -> None:
    """Run the kiosk demo: scripted journeys headless, or the touchscreen app in a window."""
    if headless is None:
        headless = bool(scripts) or not os.environ.get("DISPLAY")
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    configure_logging("file", level="INFO", log_dir=base, process="demo")
    if not headless:
        from kiosk_app.demo.window import run_window

        run_window(base)
        return
    paths = [Path(s) for s in scripts] or sorted((assets_dir() / "journeys").glob("*.toml"))
    click.echo(f"kiosk demo (headless): {len(paths)} journey(s); central service, sync agent and "
               f"emulated devices under {base}")
    failed = 0
    for index, path in enumerate(paths):
        try:
            script = load_script(path)
        except ScriptError as exc:
            click.echo(f"{path}: invalid script", err=True)
            for line in exc.problems:
                click.echo(f"  {line}", err=True)
            failed += 1
            continue
        report = run_script(script, base / f"{index:02d}-{script.name}")
        _print_report(report, journal=not quiet_journal and (bool(scripts) or script.name == "appointment-full-bundle"))
        failed += not report.ok
    click.echo(f"logs (JSON lines, masked): {base / 'demo.log'}")
    click.echo(f"the customer's phone pages: {PHONE_PAGES_HINT}")
    click.echo(f"{len(paths) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)
