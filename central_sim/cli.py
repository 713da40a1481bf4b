"""`kiosk central-sim`: run the reference service on 127.0.0.1 and seed it for demos and benchmarks.

The lead mounts `central_sim_cli` as `kiosk central-sim`; it also runs alone with `python -m central_sim.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from central_service.seed import BRANCHES
from central_sim.server import CentralServer

DEFAULT_DB = "var/central-sim/central.sqlite"
DEFAULT_KEYS = "var/central-sim/keys"


def _server(db: str, key_dir: str, **kwargs: object) -> CentralServer:
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    return CentralServer(db, key_dir=Path(key_dir), **kwargs)  # type: ignore[arg-type]


@click.group(name="central-sim")
def central_sim_cli() -> None:
    """The reference central appointment service (development, tests, demos; never production)."""


@central_sim_cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only).")
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--db", "db", default=DEFAULT_DB, show_default=True, help="The service's SQLite file.")
@click.option("--key-dir", default=DEFAULT_KEYS, show_default=True, help="Where the QR signing key lives.")
@click.option("--admin-token", default=None, help="Admin endpoint token (random if not given).")
@click.option("--threads", default=16, show_default=True, type=int)
def serve(host: str, port: int, db: str, key_dir: str, admin_token: str | None, threads: int) -> None:
    """Serve until Ctrl-C; prints the URL, a dev kiosk token and an enrolment code per branch."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise click.BadParameter("the reference service listens on loopback only", param_hint="--host")
    server = _server(db, key_dir, host=host, port=port, admin_token=admin_token, threads=threads)
    click.echo(f"central-sim listening on {server.url}")
    click.echo(f"admin token: {server.admin_token}")
    keys = server.central.key_set()["keys"]
    click.echo("token keys: " + ", ".join(f"{k['kid']}={k['public_key']}" for k in keys))
    for branch_id in BRANCHES:
        kiosk, token = server.admin.add_kiosk(branch_id, name="dev")
        code = server.admin.enrolment_code(branch_id)
        click.echo(f"branch {branch_id}: dev kiosk {kiosk.kiosk_id} bearer {token}  enrolment code {code}")
    server.serve_forever()


@central_sim_cli.command()
@click.option("--db", "db", default=DEFAULT_DB, show_default=True)
@click.option("--key-dir", default=DEFAULT_KEYS, show_default=True)
@click.option("--branch", "branches", multiple=True, help="Branch ids (default: all demo branches).")
@click.option("--per-branch", default=50, show_default=True, type=int)
@click.option("--rng-seed", default=None, type=int, help="Same seed, same people.")
@click.option("--tokens-out", type=click.Path(dir_okay=False), default=None,
              help="Write one JSON line per appointment with its QR token.")
def seed(db: str, key_dir: str, branches: tuple[str, ...], per_branch: int, rng_seed: int | None,
         tokens_out: str | None) -> None:
    """Add realistic appointments (all kinds, several branches) with their QR tokens."""
    server = _server(db, key_dir)
    try:
        seeded = server.admin.seed(list(branches or BRANCHES), per_branch, rng_seed=rng_seed,
                                   with_tokens=tokens_out is not None)
        if tokens_out:
            with open(tokens_out, "w", encoding="utf-8") as out:
                for s in seeded:
                    out.write(json.dumps({"appointment_id": s.appointment_id, "branch_id": s.branch_id,
                                          "kind": s.kind, "token": s.token}) + "\n")
        kinds = {k: sum(1 for s in seeded if s.kind == k) for k in ("individual", "payroll", "walk_in")}
        click.echo(f"seeded {len(seeded)} appointments in {len(branches or BRANCHES)} branches: {kinds}")
    finally:
        server.close()


if __name__ == "__main__":
    central_sim_cli()
