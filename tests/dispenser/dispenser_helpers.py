"""Helpers shared by the dispenser tests (a uniquely named module, so areas' helpers never clash)."""

from __future__ import annotations

from drivers.dispenser import CardDispenser


def make_pans(n: int, prefix: str = "621700") -> list[str]:
    """Distinct 19-digit test PANs."""
    return [f"{prefix}{i:013d}" for i in range(1, n + 1)]


def open_driver(path: str, **kwargs: object) -> CardDispenser:
    """A driver with a patient reply-start wait, so a loaded CI machine causes no spurious resends."""
    options: dict[str, object] = {"reply_start_timeout": 0.2, "command_timeout": 5.0, "move_timeout": 5.0}
    options.update(kwargs)
    return CardDispenser(path, **options).open()  # type: ignore[arg-type]


def record_ic_events(emulator: object) -> None:
    """An emulator `--hooks` target: append "at PAN" / "left PAN" lines to $DISPENSER_TEST_EVENTS."""
    import os

    path = os.environ["DISPENSER_TEST_EVENTS"]

    def write(line: str) -> None:
        with open(path, "a") as f:
            f.write(line + "\n")

    emulator.set_ic_hooks(lambda pan: write(f"at {pan}"), lambda pan: write(f"left {pan}"))  # type: ignore[attr-defined]
