"""Screenshots of the teller pages and branch IT's staff page (desktop 1366x768) and the lobby floor (tablet
1024x768), zh_CN and en, on a
lived-in demo branch (central_service.staff.demo_floor): `python tests/browser/branch_screens.py --out
docs/screens/branch`. The page tests call `shoot` too, with an axe check on every page."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from central_service.auth import totp
from central_service.staff.demo_floor import close, populate
from central_service.staff.directory import StaffDirectory
from central_service.staff.seed import DEMO_PASSWORD, DemoStaff, seed_staff
from central_service.staff.web_pages import branch_zone
from central_service.testing import RunningService, sqlite_settings

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}
BRANCH = "BJ001"


def sign_in(page: Page, url: str, person: DemoStaff) -> None:
    """Sign in through the form (the screenshots' own helper types at machine speed)."""
    page.goto(url + "/staff/sign-in")
    page.fill("#f-staff_id", person.staff_id)
    page.fill("#f-password", DEMO_PASSWORD)
    page.fill("#f-code", totp.code_now(person.totp_secret))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def shoot(browser: Browser, out: Path, check: Callable[[Page], None] | None = None) -> list[Path]:
    """Render every staff page of a demo branch into `out`; `check(page)` runs on each (e.g. axe)."""
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as work, RunningService(sqlite_settings(Path(work))) as service:
        people = {p.staff_id: p for p in seed_staff(StaffDirectory(service.store.db), [BRANCH])}
        kiosks = populate(service.url, service.admin, BRANCH, branch_zone())
        try:
            teller_id = next(a["id"] for a in service.admin.appointments(BRANCH) if a["status"] == "booked")

            def snap(page: Page, name: str) -> None:
                if check is not None:
                    check(page)
                path = out / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                made.append(path)

            desk = browser.new_context(viewport=DESKTOP, locale="zh-CN", device_scale_factor=1).new_page()
            desk.goto(service.url + "/staff/sign-in")
            snap(desk, "sign-in--desktop--zh_CN")
            sign_in(desk, service.url, people["T101"])
            snap(desk, "counter--desktop--zh_CN")
            phone = service.store.get_appointment(teller_id)["customer"]["phone"]
            desk.fill("#f-q", phone)
            desk.get_by_role("button", name="查找").click()
            desk.wait_for_load_state()
            snap(desk, "counter-search--desktop--zh_CN")
            desk.goto(f"{service.url}/staff/counter/customers/{teller_id}")
            snap(desk, "customer-masked--desktop--zh_CN")
            desk.get_by_role("button", name="查看完整号码").click()
            desk.wait_for_load_state()
            snap(desk, "customer-full--desktop--zh_CN")
            desk.goto(f"{service.url}/staff/counter?lang=en")
            snap(desk, "counter--desktop--en")
            desk.context.close()

            it = browser.new_context(viewport=DESKTOP, locale="zh-CN", device_scale_factor=1).new_page()
            sign_in(it, service.url, people["I101"])
            it.goto(service.url + "/staff/directory")
            snap(it, "directory--desktop--zh_CN")
            it.context.close()

            floor = browser.new_context(viewport=TABLET, locale="zh-CN", device_scale_factor=1).new_page()
            sign_in(floor, service.url, people["M101"])
            snap(floor, "floor--tablet--zh_CN")
            floor.goto(service.url + "/staff/floor?lang=en")
            snap(floor, "floor--tablet--en")
            floor.context.close()
        finally:
            close(kiosks)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screens/branch"))
    args = parser.parse_args(argv)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for path in shoot(browser, args.out):
                print(path)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
