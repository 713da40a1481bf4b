"""Issue 16's "done when", in Debian's chromium: the teller registers a company and its agent → the agent signs
in with TOTP → creates a batch → the QR is decoded from the poster → employees fill in on phone-size pages (a
duplicate ID number refused beside its field) → the agent returns one entry and confirms → the batch file
downloads and validates → the teller verifies and approves → one employee collects a card at a rehearsal kiosk
with the batch QR + ID card, another with the personal pickup QR from the SMS → the employer's results show both.

Screenshots of each page go to $PAYROLL_SCREENS (docs/screens/payroll when regenerating them), else tmp.
"""

from __future__ import annotations

import io
import os
import random
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page

from central_service.auth import totp
from central_service.ids import id_check_char, make_uscc
from central_service.payroll import batch_file
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService
from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import Setup, load_script

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert found, "no QR code on the image"
    return found[0].text


def _person(n: int) -> dict[str, object]:
    born = date(1990 + n, 3, 7)
    first17 = f"350203{born:%Y%m%d}{101 + 2 * n:03d}"
    return {"name": ["张伟", "李娜", "王芳"][n], "id_number": first17 + id_check_char(first17), "born": born,
            "mobile": f"1390000010{n}"}


def _photo(seed: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 200), random.Random(seed).randbytes(320 * 200 * 3)).save(out, format="PNG")
    return out.getvalue()


def _sms_code(service: RunningService, mobile: str) -> str:
    return re.search(r"\d{6}", service.central.sms.last(mobile).body).group(0)


def _employee(browser: Browser, service: RunningService, link: str, person: dict[str, object], human_type,
              shots: Path | None = None, axe_check=None) -> Page:  # type: ignore[no-untyped-def]
    """One employee from the poster link to the images page. The first one (with `shots`) types the code and
    ID number at human pace; the others fill them, so the test stays near a minute."""
    type_in = human_type if shots else (lambda locator, text: locator.fill(text))
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(link)
    assert page.url.endswith("/phone/sign-in")
    page.fill("#f-phone", str(person["mobile"]))
    with page.expect_navigation():
        page.get_by_role("button", name="获取验证码").click()
    type_in(page.locator("#f-code"), _sms_code(service, str(person["mobile"])))
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.url.endswith("/payroll/join")
    page.fill("#f-name", str(person["name"]))
    type_in(page.locator("#f-id_number"), str(person["id_number"]))
    page.fill("#f-id_expiry", "2036-01-01")
    page.get_by_label("我已阅读并同意代发工资协议").check()
    page.get_by_label("我同意银行为开户处理我的个人信息").check()
    if shots:
        axe_check(page)
        page.screenshot(path=str(shots / "employee-form.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="下一步").click()
    return page


def _upload(page: Page, seed: int, shots: Path | None = None, axe_check=None) -> None:  # type: ignore[no-untyped-def]
    assert page.url.endswith("/payroll/join/images")
    if shots:
        axe_check(page)
        page.screenshot(path=str(shots / "employee-images.png"), full_page=True)
    page.set_input_files("#f-id_front", {"name": "front.png", "mimeType": "image/png", "buffer": _photo(seed)})
    page.set_input_files("#f-id_back", {"name": "back.png", "mimeType": "image/png", "buffer": _photo(seed + 50)})
    with page.expect_navigation():
        page.get_by_role("button", name="上传").click()
    assert "已上传 2 / 2 张" in page.locator("main").inner_text()


def _sign_in(page: Page, url: str, login: str, secret: str, human_type) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    human_type(page.locator("#f-code"), totp.code_now(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_payroll_chain_in_the_browser(service: RunningService, browser: Browser, human_type, axe_check,
                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("PAYROLL_SCREENS", tmp_path / "screens"))
    shots.mkdir(parents=True, exist_ok=True)
    secret = StaffDirectory(service.central.store.db).add("T0016", "BJ001", "柜员甲",
                                                          frozenset({Role.PAYROLL_OFFICER}), PASSWORD)
    teller = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    _sign_in(teller, service.url + "/payroll/staff/sign-in", "T0016", secret, human_type)
    assert teller.url.endswith("/payroll/staff")
    teller.fill("#f-name", "厦门示例科技有限公司")
    teller.fill("#f-uscc", make_uscc("350203", random.Random(16)))
    teller.fill("#f-payroll_account", "3502031234567890")
    with teller.expect_navigation():
        teller.get_by_role("button", name="登记").click()
    teller.select_option("#f-company_id", label="厦门示例科技有限公司")
    teller.fill("#f-agent_name", "李经办")
    teller.fill("#f-login", "li.agent")
    teller.fill("#f-password", PASSWORD)
    with teller.expect_navigation():
        teller.get_by_role("button", name="开立").click()
    agent_secret = teller.locator("#totp-secret").inner_text()
    axe_check(teller)
    teller.screenshot(path=str(shots / "teller-home.png"), full_page=True)

    agent = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    _sign_in(agent, service.url + "/payroll/agent/sign-in", "li.agent", agent_secret, human_type)
    assert agent.url.endswith("/payroll/agent/agreement")
    axe_check(agent)
    agent.get_by_label("我代表本单位已阅读并同意上述协议").check()
    with agent.expect_navigation():
        agent.get_by_role("button", name="同意并继续").click()
    agent.fill("#f-name", "2026年12月新员工")
    agent.select_option("#f-card_product", "payroll_debit")
    agent.fill("#f-deadline", (date.today() + timedelta(days=14)).isoformat())
    agent.fill("#f-expected_headcount", "3")
    with agent.expect_navigation():
        agent.get_by_role("button", name="新建批次").click()
    batch_url = agent.url
    poster = agent.request.get(batch_url + "/poster.png").body()
    (shots / "poster.png").write_bytes(poster)
    link = _decode(poster)
    assert link.startswith("HTTP://") and "/P/BKQ:" in link

    people = [_person(n) for n in range(3)]
    for n, person in enumerate(people):
        page = _employee(browser, service, link, person, human_type, shots if n == 0 else None, axe_check)
        _upload(page, n, shots if n == 0 else None, axe_check)
        if n == 0:
            axe_check(page)
            page.screenshot(path=str(shots / "employee-status.png"), full_page=True)
        page.context.close()
    twin = {**people[0], "name": "赵六", "mobile": "13900000199"}
    page = _employee(browser, service, link, twin, human_type)
    assert "已在本批次中" in page.locator("#e-id_number").inner_text()
    assert page.locator("#f-id_number").get_attribute("aria-invalid") == "true"
    axe_check(page)
    page.screenshot(path=str(shots / "employee-form-duplicate.png"), full_page=True)
    page.context.close()

    agent.goto(batch_url)
    assert str(people[0]["id_number"]) not in agent.content()
    row = agent.locator("#entry-3")
    row.locator("input[name=reason]").fill("不是本单位员工")
    with agent.expect_navigation():
        row.get_by_role("button", name="退回").click()
    agent.get_by_label("我已核对名单，均为本单位员工，信息无误").check()
    axe_check(agent)
    agent.screenshot(path=str(shots / "portal-batch.png"), full_page=True)
    with agent.expect_navigation():
        agent.get_by_role("button", name="确认提交").click()
    assert "已提交（冻结）" in agent.locator("main").inner_text()
    assert batch_file.validate(agent.request.get(batch_url + "/batch-file").body()) == []

    teller.goto(service.url + "/payroll/staff")
    teller.get_by_role("link", name="2026年12月新员工").click()
    for line in (1, 2):
        with teller.expect_navigation():
            teller.locator(f"#entry-{line}").get_by_role("button", name="核实").click()
    axe_check(teller)
    teller.screenshot(path=str(shots / "teller-check.png"), full_page=True)
    with teller.expect_navigation():
        teller.get_by_role("button", name="审核通过并开户").click()
    assert "已开户 2 人" in teller.locator("main").inner_text()

    texted = service.central.sms.last(str(people[1]["mobile"])).body
    pickup_url = service.url + re.search(r"(/payroll/pickup/\S+)", texted).group(1)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    phone.goto(pickup_url)
    axe_check(phone)
    phone.screenshot(path=str(shots / "pickup.png"), full_page=True)
    pickup_token = _decode(phone.request.get(phone.locator("img.qr").get_attribute("src") and
                                             service.url + phone.locator("img.qr").get_attribute("src")).body())

    batch_script = load_script(ROOT / "assets" / "journeys" / "payroll-batch-qr.toml")
    pickup_script = load_script(ROOT / "assets" / "journeys" / "payroll-pickup-qr.toml")
    with rehearsal(tmp_path / "kiosk", Setup(appointment="none"), central=service) as r:
        for person, token, script in ((people[0], link, batch_script), (people[1], pickup_token, pickup_script)):
            r.customer = replace(r.customer, name=person["name"], id_number=person["id_number"], birth=person["born"],
                                 token=token)
            Runner(r, script).run()
            assert r.runtime.host.wait_idle(15)

    agent.goto(batch_url)
    axe_check(agent)
    agent.screenshot(path=str(shots / "portal-results.png"), full_page=True)
    results = agent.request.get(batch_url + "/results.csv").body().decode("utf-8-sig").splitlines()
    assert [row.split(",")[3] for row in results[1:]] == ["collected", "collected", "returned"]
