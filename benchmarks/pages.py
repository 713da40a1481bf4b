"""Benchmark: the phone pages under 100 concurrent phone users against one node (one uvicorn worker, embedded
SQLite), and the weight of every page.

Measured over real HTTP from a separate process (the service runs as `central serve`), per request:
- "booking page": GET /phone/book/BJ001 (the slot page: the day's places read from the store);
- "submit": POST the personal-data form (CSRF check and token rotation, every field validated, the draft
  written in one transaction) up to its 303 answer; the browser then loads the next page (not in this figure).
The baseline, in the same run and under the same 100 users: GET /static/site.css (the same server, routing,
headers and socket, no session, no template, no store): the floor a page cannot beat. Printed: p50/p95/max of
each, the ratio of the p95s, and whether the goal (p95 < 300 ms) holds. Then the weight of each page (HTML plus
its stylesheet and inline QR image; the goal: under 200 KB each).

Run: .venv/bin/python benchmarks/pages.py [--users 100] [--rounds 5] [--think-s 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from central_service.crypto import MASTER_DIR, FieldCipher, MasterKeys  # noqa: E402
from central_service.db import Database  # noqa: E402
from central_service.ids import make_id_number  # noqa: E402
from central_service.sms import SimulatedSmsGateway  # noqa: E402

GOAL_MS = 300.0
WEIGHT_LIMIT = 200 * 1024
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Phone:
    """One user's browser: cookies kept by hand (Secure cookies over loopback HTTP), the page's CSRF token."""

    def __init__(self, client: httpx.AsyncClient, number: str) -> None:
        self.client, self.number, self.cookies, self.csrf = client, number, {}, ""

    async def send(self, method: str, path: str, data: list[tuple[str, str]] | None = None, *,
                   follow: bool = True) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode([*data, ("csrf", self.csrf)]).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = await self.client.request(method, path, content=body, headers=headers)
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if found := _CSRF.search(response.text):
            self.csrf = found.group(1)
        if response.status_code == 303 and follow:
            return await self.send("GET", response.headers["location"])
        return response


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phone_inbox(database: str, workdir: Path) -> SimulatedSmsGateway:
    """The simulated gateway's texts, read with the node's own master keys (texts are sealed at rest)."""
    db = Database(database, pool_size=2)
    db.fields = FieldCipher(db, MasterKeys(workdir / "keys" / MASTER_DIR))
    return SimulatedSmsGateway(db)


def start_node(workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    database, port = f"sqlite:///{workdir / 'central.sqlite'}", _free_port()
    node = subprocess.Popen([str(Path(sys.executable).parent / "central"), "--database", database, "--key-dir",
                             str(workdir / "keys"), "serve", "--port", str(port), "--admin-token", "bench"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return node, url, database
        except httpx.HTTPError:
            time.sleep(0.05)
    node.kill()
    raise SystemExit("the service did not start")


def details(phone: str, n: int) -> list[tuple[str, str]]:
    number = make_id_number("110105", date(1985, 1, 1) + timedelta(days=n), random.Random(n), male=n % 2 == 1)
    return [("name", "王小明"), ("id_type", "resident_id"), ("id_number", number), ("id_valid_from", "2020-01-01"),
            ("id_valid_to", (date.today() + timedelta(days=3000)).isoformat()), ("phone", phone),
            ("address", "北京市朝阳区建国路88号"), ("occupation", "20000")]


async def sign_in_and_start(phone: Phone, sms: SimulatedSmsGateway) -> str:
    """Signed in with the texted code, one booking started; returns its details path."""
    await phone.send("GET", "/phone/sign-in")
    await phone.send("POST", "/phone/sign-in", [("phone", phone.number)])
    code = re.search(r"\d{6}", sms.last(phone.number).body).group(0)  # type: ignore[union-attr]
    await phone.send("POST", "/phone/sign-in/code", [("code", code)])
    days = re.findall(r'href="\?day=([0-9-]+)"', (await phone.send("GET", "/phone/book/BJ001")).text)
    for _attempt in range(20):  # a slot others filled meanwhile: take another, as a person would
        page = await phone.send("GET", f"/phone/book/BJ001?day={random.choice(days)}")
        day = re.search(r'name="day" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        slots = re.findall(r'name="slot" value="([^"]+)"', page.text)
        if not slots:
            continue
        landed = await phone.send("POST", "/phone/book/BJ001", [("day", day), ("slot", random.choice(slots))])
        if str(landed.url).endswith("/details"):
            break
    else:
        raise SystemExit(f"could not start a booking: {landed.status_code}")
    return str(landed.url.path)


async def user(phone: Phone, n: int, path: str, rounds: int, think_s: float, times: dict[str, list[float]]) -> None:
    for _ in range(rounds):
        await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)  # a person reads and taps between pages
        started = time.perf_counter()
        page = await phone.send("GET", "/phone/book/BJ001")
        times["booking page"].append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200, page.status_code
        await phone.send("GET", path)
        await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
        started = time.perf_counter()
        sent = await phone.send("POST", path, details(phone.number, n), follow=False)
        times["submit"].append((time.perf_counter() - started) * 1000)
        assert sent.headers.get("location", "").endswith("/services"), (sent.status_code, sent.text[:200])
        await phone.send("GET", sent.headers["location"])  # the next page, as the browser loads it
        started = time.perf_counter()
        css = await phone.send("GET", "/static/site.css")
        times["baseline: static file"].append((time.perf_counter() - started) * 1000)
        assert css.status_code == 200


async def load(url: str, sms: SimulatedSmsGateway, users: int, rounds: int, think_s: float) -> dict[str, list[float]]:
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        phones = [Phone(client, f"139{n:08d}") for n in range(users)]
        paths = []
        for start in range(0, users, 20):  # set-up, not measured
            paths += await asyncio.gather(*(sign_in_and_start(p, sms) for p in phones[start:start + 20]))
        times: dict[str, list[float]] = {"booking page": [], "submit": [], "baseline: static file": []}
        started = time.perf_counter()
        await asyncio.gather(*(user(p, n, paths[n], rounds, think_s, times) for n, p in enumerate(phones)))
        times["_seconds"] = [time.perf_counter() - started]
    return times


def weights(url: str, sms: SimulatedSmsGateway) -> dict[str, int]:
    """Bytes of each page (HTML + stylesheet; the appointment page's QR image is inline) as a browser loads it."""
    from central_service.web.page_client import PageClient

    css = len(httpx.get(url + "/static/site.css").content)
    visitor, phone, found = PageClient(url), "13700000000", {}

    def page(name: str, response: object) -> None:
        found[name] = len(response.content) + css  # type: ignore[attr-defined]

    page("sign in", visitor.get("/phone/sign-in"))
    page("code", visitor.post("/phone/sign-in", {"phone": phone}))
    code = re.search(r"\d{6}", sms.last(phone).body).group(0)  # type: ignore[union-attr]
    page("my appointments", visitor.post("/phone/sign-in/code", {"code": code}))
    page("branch", visitor.get("/phone/book"))
    slot_page = visitor.post("/phone/book", {"branch": "BJ001"})
    page("slot", slot_page)
    for day in re.findall(r'href="\?day=([0-9-]+)"', slot_page.text):  # the first day with a free place
        slots = re.findall(r'name="slot" value="([^"]+)"', visitor.get(f"/phone/book/BJ001?day={day}").text)
        if slots:
            slot = slots[0]
            break
    details_page = visitor.post("/phone/book/BJ001", {"day": day, "slot": slot})
    page("details", details_page)
    booking = str(details_page.url).removeprefix(url).rsplit("/", 1)[0]
    page("services", visitor.post(f"{booking}/details", dict(details(phone, 7))))
    page("tax", visitor.post(f"{booking}/services", {"services": "mobile_banking"}))
    page("risk", visitor.post(f"{booking}/tax", {"status": "china_only"}))
    page("confirm", visitor.post(f"{booking}/risk", {f"q{n}": "B" for n in range(1, 7)}))
    page("appointment (QR)", visitor.post(f"{booking}/confirm", {}))
    page("agreements", visitor.get("/phone/agreements"))
    page("agreement (longest)", max((visitor.get(f"/phone/agreements/{n}") for n in
                                     ("account_agreement", "e_banking_agreement", "privacy_notice",
                                      "sensitive_consent")), key=lambda r: len(r.content)))
    visitor.close()
    return found


def report_load(times: dict[str, list[float]], users: int, rounds: int, think_s: float) -> None:
    seconds = times.pop("_seconds")[0]
    requests = 5 * users * rounds  # booking page, form, post, the post's next page, stylesheet
    print(f"phone pages, {users} concurrent users x {rounds} rounds, think time ~{think_s:g} s, one node "
          f"(1 worker, SQLite), {os.cpu_count()} CPUs: {requests / seconds:.0f} requests/s served")
    for name, values in times.items():
        print(f"  {name:<24} n={len(values):4d}  p50 {_pct(values, 50):7.1f} ms  p95 {_pct(values, 95):7.1f} ms  "
              f"max {max(values):7.1f} ms")
    base = _pct(times["baseline: static file"], 95)
    for name in ("booking page", "submit"):
        p95 = _pct(times[name], 95)
        verdict = "meets" if p95 < GOAL_MS else "MISSES"
        print(f"  {name}: p95 {p95:.1f} ms = {p95 / base:.1f}x the static-file baseline; {verdict} the "
              f"{GOAL_MS:.0f} ms goal", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--think-s", type=float, default=2.0,
                        help="mean pause between a user's requests (0: every user fires back to back)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        node, url, database = start_node(Path(tmp))
        try:
            inbox = phone_inbox(database, Path(tmp))
            times = asyncio.run(load(url, inbox, args.users, args.rounds, args.think_s))
            report_load(times, args.users, args.rounds, args.think_s)
            sizes = weights(url, inbox)
        finally:
            node.terminate()
            node.wait(10)
    print("page weight (HTML + stylesheet, inline images):")
    for name, size in sizes.items():
        print(f"  {name:<22} {size / 1024:6.1f} KB  {'ok' if size < WEIGHT_LIMIT else 'OVER 200 KB'}")


if __name__ == "__main__":
    main()
