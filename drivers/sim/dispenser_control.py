"""Run the dispenser emulator as its own process, with a small JSON-lines control channel on a unix socket.

Why: a crash campaign SIGKILLs the issuing process, but the "hardware" (and where every card is) must survive.
The emulator process prints its pty path on stdout (and writes it to `--pty-link-file`), keeps its physical
state in `--state` (restored on restart), and answers control requests: one JSON object per line,
`{"op": "take_card", "args": {}}` -> `{"ok": true, "result": ...}` or `{"ok": false, "error": ..., "message": ...}`.
`EmulatorProcess` starts such a process and `ControlClient` talks to it with the emulator's own method names.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import select
import signal
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from drivers.sim.dispenser_emulator import REALISTIC_MOVE_DELAY, DispenserEmulator

log = logging.getLogger(__name__)

# The emulator methods a control client may call, with nothing else reachable.
OPS = frozenset({
    "take_card", "insert_card", "clear_jam", "refill", "empty_bin", "power_cycle", "inject", "clear_faults",
    "snapshot", "locate",
})


class ControlError(Exception):
    """The emulator process refused or failed a control request."""


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: ControlServer = self.server  # type: ignore[assignment]
        for line in self.rfile:
            reply = server.dispatch(line)
            self.wfile.write(json.dumps(reply).encode() + b"\n")
            self.wfile.flush()


class ControlServer(socketserver.ThreadingUnixStreamServer):
    """Serves control requests for one emulator on a unix socket (in a daemon thread)."""

    daemon_threads = True

    def __init__(self, emulator: DispenserEmulator, socket_path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(socket_path)
        super().__init__(socket_path, _Handler)
        self.emulator = emulator
        self.socket_path = socket_path
        self.shutdown_requested = threading.Event()

    def dispatch(self, line: bytes) -> dict[str, Any]:
        """Run one request line; every failure becomes an error reply, never an exception."""
        try:
            request = json.loads(line)
            op, args = request["op"], request.get("args", {})
            if op == "shutdown":
                self.shutdown_requested.set()
                return {"ok": True, "result": None}
            if op == "stats":
                return {"ok": True, "result": dict(self.emulator.stats)}
            if op not in OPS:
                return {"ok": False, "error": "UnknownOp", "message": f"unknown op {op!r}"}
            return {"ok": True, "result": getattr(self.emulator, op)(**args)}
        except Exception as exc:  # the reply carries any failure to the client
            return {"ok": False, "error": type(exc).__name__, "message": str(exc)}

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="dispenser-control", daemon=True)
        thread.start()
        return thread


class ControlClient:
    """Calls the emulator in another process by the same method names (one connection per call)."""

    def __init__(self, socket_path: str, timeout: float = 10.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def call(self, op: str, **args: Any) -> Any:
        """Send one request. Raises ControlError on an error reply, OSError if the process is gone."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
            sock.sendall(json.dumps({"op": op, "args": args}).encode() + b"\n")
            with sock.makefile("rb") as reader:
                line = reader.readline()
        if not line:
            raise ControlError(f"no reply to {op}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise ControlError(f"{reply['error']}: {reply['message']}")
        return reply["result"]

    def take_card(self) -> str:
        return self.call("take_card")

    def insert_card(self, pan: str) -> bool:
        return self.call("insert_card", pan=pan)

    def clear_jam(self) -> str | None:
        return self.call("clear_jam")

    def refill(self, pans: Sequence[str]) -> None:
        self.call("refill", pans=list(pans))

    def empty_bin(self) -> list[str]:
        return self.call("empty_bin")

    def power_cycle(self) -> None:
        self.call("power_cycle")

    def inject(self, fault: str, count: int = 1) -> None:
        self.call("inject", fault=getattr(fault, "value", fault), count=count)

    def clear_faults(self) -> None:
        self.call("clear_faults")

    def snapshot(self) -> dict[str, Any]:
        return self.call("snapshot")

    def locate(self, pan: str) -> str:
        return self.call("locate", pan=pan)

    def stats(self) -> dict[str, int]:
        return self.call("stats")

    def shutdown(self) -> None:
        self.call("shutdown")


class EmulatorProcess:
    """A dispenser emulator in a child process: `.path` (pty), `.control` (ControlClient), `stop()`.

    Raises RuntimeError if the child does not report its pty within `start_timeout` seconds.
    """

    def __init__(
        self, state_file: str | os.PathLike[str], *, pans: Sequence[str] | None = None,
        control_path: str | None = None, pty_link_file: str | None = None, extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None, start_timeout: float = 15.0,
    ) -> None:
        self.state_file = str(state_file)
        self.control_path = control_path or self.state_file + ".sock"
        argv = [sys.executable, "-m", "drivers.sim.dispenser_emulator", "--state", self.state_file,
                "--control", self.control_path, *extra_args]
        if pans is not None:
            argv += ["--pans", ",".join(pans)]
        if pty_link_file:
            argv += ["--pty-link-file", pty_link_file]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2],
                                        env={**os.environ, **(env or {})})
        self.path = self._read_path(start_timeout)
        self.control = ControlClient(self.control_path)

    def _read_path(self, timeout: float) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.process.kill()
            self.process.wait()
            raise RuntimeError("dispenser emulator process did not report its pty")
        return line

    def stop(self, timeout: float = 10.0) -> int:
        """Ask the process to shut down (it saves its state); kill it if it does not. Returns its exit code."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ControlError):
                self.control.shutdown()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m drivers.sim.dispenser_emulator",
                                description="CRT-591-style card dispenser emulator on a pty")
    p.add_argument("--state", required=True, help="JSON file holding the physical state (restored if it exists)")
    p.add_argument("--pty-link-file", help="also write the pty path to this file")
    p.add_argument("--control", help="unix socket for control requests (default: STATE.sock)")
    p.add_argument("--pans", default="", help="comma-separated PANs of a fresh stack (ignored if STATE exists)")
    p.add_argument("--bin-capacity", type=int, default=50)
    p.add_argument("--low-threshold", type=int, default=5)
    p.add_argument("--move-delay", type=float, default=0.0, help="seconds per motor command (default 0)")
    p.add_argument("--realistic", action="store_true", help=f"motor commands take {REALISTIC_MOVE_DELAY}s")
    p.add_argument("--dialect", default="creator")
    p.add_argument("--address", type=int, default=0)
    p.add_argument("--initialised", action="store_true", help="start as if initialise had been sent")
    p.add_argument("--hooks", help="module:function called with the emulator to install IC hooks")
    return p.parse_args(argv)


def _install_hooks(emulator: DispenserEmulator, spec: str) -> None:
    module_name, _, func_name = spec.partition(":")
    getattr(importlib.import_module(module_name), func_name)(emulator)


def _write_atomic(path: str, text: str) -> None:
    tmp = path + ".tmp"
    Path(tmp).write_text(text)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT or a `shutdown` request; the state file is saved after every change."""
    args = _parse_args(argv)
    pans = [p for p in args.pans.split(",") if p]
    emulator = DispenserEmulator(
        pans, address=args.address, bin_capacity=args.bin_capacity, low_threshold=args.low_threshold,
        move_delay=REALISTIC_MOVE_DELAY if args.realistic else args.move_delay, dialect=args.dialect,
        state_file=args.state, initialised=args.initialised,
    )
    if args.hooks:
        _install_hooks(emulator, args.hooks)
    server = ControlServer(emulator, args.control or args.state + ".sock")
    server.serve_in_thread()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.shutdown_requested.set())
    if args.pty_link_file:
        _write_atomic(args.pty_link_file, emulator.path + "\n")
    sys.stdout.write(emulator.path + "\n")
    sys.stdout.flush()
    try:
        while not server.shutdown_requested.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(server.socket_path)
        emulator.close()
    return 0
