"""The payroll pages over real HTTP (PageClient keeps cookies and CSRF like a browser): the teller registers a
company and its agent, the agent signs in with TOTP, accepts the agreement, creates a batch and gets the poster,
employees fill in from the poster's link (mobile verified by SMS code, ID images uploaded and stored encrypted),
every refusal shows its own message beside its field, the agent returns one and submits (a replayed submit
is refused), the teller verifies, approves, and the results show the statuses."""

from __future__ import annotations

import io
import json
import random
import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from central_service.auth import totp
from central_service.ids import id_check_char, make_uscc
from central_service.payroll import batch_file
from central_service.payroll.agreement import company_agreement
from central_service.payroll.people import Employee
from central_service.payroll.store import PayrollStore
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient

PASSWORD = "correct horse battery"


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[RunningService]:
    """The service on both stores (embedded SQLite, PostgreSQL)."""
    with RunningService(sqlite_settings(tmp_path, database=database_url)) as running:
        yield running


def _officer(service: RunningService) -> str:
    return StaffDirectory(service.central.store.db).add("T0016", "BJ001", "柜员甲", frozenset({Role.PAYROLL_OFFICER}),
                                                        PASSWORD)


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{name}">([^<]*)<', html)
    return found.group(1) if found else ""


def _png(seed: int) -> bytes:
    """A stand-in photo (noise, so it does not compress below the 1 KB floor), the same for the same seed."""
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 126), random.Random(seed).randbytes(200 * 126 * 3)).save(out, format="PNG")
    return out.getvalue()


def id_number(rng: random.Random, age: int = 30) -> str:
    first17 = f"350203{2026 - age}{rng.randrange(1, 13):02d}{rng.randrange(1, 28):02d}{rng.randrange(100, 999)}"
    return first17 + id_check_char(first17)


def _employee_fills(service: RunningService, link: str, mobile: str, form: dict[str, str]) -> tuple[PageClient, str]:
    phone = PageClient(service.url)
    page = phone.get(link)
    assert "sign-in" in page.url
    phone.post("/phone/sign-in", {"phone": mobile})
    code = re.search(r"\d{6}", service.central.sms.last(mobile).body).group(0)
    page = phone.post("/phone/sign-in/code", {"code": code})
    assert page.url.endswith("/payroll/join"), page.url
    page = phone.post("/payroll/join", {**form, "agree": "yes", "consent": "yes"})
    return phone, page.text


def test_the_chain_over_http(service: RunningService) -> None:
    rng = random.Random(16)
    staff_secret = _officer(service)
    teller = PageClient(service.url)
    teller.get("/payroll/staff/sign-in")
    page = teller.post("/payroll/staff/sign-in", {"login": "T0016", "password": PASSWORD,
                                                 "code": totp.code_now(staff_secret)})
    assert page.url.endswith("/payroll/staff"), page.text[:500]
    bad = make_uscc("350203", rng)
    page = teller.post("/payroll/staff", {"what": "company", "name": "厦门示例科技有限公司",
                                          "uscc": bad[:17] + ("0" if bad[17] != "0" else "1"),
                                          "payroll_account": "3502031234567890"})
    assert page.status_code == 422 and "统一社会信用代码不正确" in _field_error(page.text, "uscc")
    page = teller.post("/payroll/staff", {"what": "company", "name": "厦门示例科技有限公司", "uscc": bad,
                                          "payroll_account": "3502031234567890"})
    assert page.status_code == 200
    company_id = PayrollStore(service.central.store.db).companies_of_branch("BJ001")[0].id
    page = teller.post("/payroll/staff", {"what": "agent", "company_id": company_id, "agent_name": "李经办",
                                          "login": "li.agent", "password": PASSWORD})
    agent_secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)

    agent = PageClient(service.url)
    agent.get("/payroll/agent/sign-in")
    page = agent.post("/payroll/agent/sign-in", {"login": "li.agent", "password": PASSWORD, "code": "000000"})
    assert page.status_code == 422 and _field_error(page.text, "login")
    page = agent.post("/payroll/agent/sign-in", {"login": "li.agent", "password": PASSWORD,
                                                 "code": totp.code_now(agent_secret)})
    assert page.url.endswith("/payroll/agent/agreement")
    page = agent.post("/payroll/agent/agreement", {"accept": "yes"})
    deadline = (service.central.store.clock().date() + timedelta(days=10)).isoformat()
    page = agent.post("/payroll/agent", {"name": "12月新员工", "card_product": "payroll_debit", "deadline": deadline,
                                         "expected_headcount": "3"})
    batch_url = page.url.removeprefix(service.url)
    poster = agent.get(batch_url + "/poster.png")
    assert poster.headers["content-type"] == "image/png"
    assert agent.get(batch_url + "/poster.pdf").content.startswith(b"%PDF")
    link = zxingcpp.read_barcodes(Image.open(io.BytesIO(poster.content)))[0].text
    path = "/" + link.split("/", 3)[3]  # the upper-case link's path, as a phone would open it

    people = [id_number(rng) for _ in range(3)]
    phones = []
    for n, number in enumerate(people):
        form = {"name": f"张{'一二三'[n]}", "id_number": number, "id_expiry": "2036-01-01"}
        client, html = _employee_fills(service, path, f"1390000000{n}", form)
        phones.append(client)
        assert "上传身份证照片" in html
        page = client.post("/payroll/join/images", [])  # nothing chosen: the message is beside each side
        assert page.status_code == 422 and "请选择这一面的照片" in _field_error(page.text, "id_front")
        response = client._send("POST", "/payroll/join/images", data={"csrf": "forged"},
                                files={"id_front": ("f.png", _png(n), "image/png")})
        assert response.status_code == 403
        response = client._send("POST", "/payroll/join/images", data={"csrf": client.csrf},
                                files={"id_front": ("f.txt", b"%PDF-1.4" + b"x" * 2000, "image/png")})
        assert "请上传清晰的JPEG或PNG照片" in _field_error(client.get("/payroll/join/images").text, "id_front")
        if n == 0:  # over the size limit: the same message, and nothing past the limit is read
            huge = b"\x89PNG\r\n\x1a\n" + b"x" * (9 * 1024 * 1024)
            response = client._send("POST", "/payroll/join/images", data={"csrf": client.csrf},
                                    files={"id_front": ("f.png", huge, "image/png")})
            assert response.status_code == 303
            assert "请上传清晰的JPEG或PNG照片" in _field_error(client.get("/payroll/join/images").text, "id_front")
        response = client._send("POST", "/payroll/join/images", data={"csrf": client.csrf},
                                files={"id_front": ("f.png", _png(n), "image/png"),
                                       "id_back": ("b.png", _png(n + 5), "image/png")})
        assert response.status_code == 303 and response.headers["location"].endswith("/payroll/join/status")
    # Refusals on the employee form, each with its own message beside its field.
    for n, (form, field, words) in enumerate([
        ({"name": "王五", "id_number": people[0], "id_expiry": "2036-01-01"}, "id_number", "已在本批次中"),
        ({"name": "少年", "id_number": id_number(rng, age=15), "id_expiry": "2036-01-01"}, "id_number", "未满16周岁"),
        ({"name": "过期", "id_number": id_number(rng), "id_expiry": "2020-01-01"}, "id_expiry", "已过期"),
    ]):
        _, html = _employee_fills(service, path, f"1390000001{n}", form)
        assert words in _field_error(html, field), html[:300]

    store = PayrollStore(service.central.store.db)
    batch_id = batch_url.rsplit("/", 1)[1]
    entries = store.page(batch_id).entries
    assert len(entries) == 3 and all(store.employee(e.id).mobile.startswith("1390000000") for e in entries)
    page = agent.get(batch_url)
    assert people[0] not in page.text, page.text[page.text.find(people[0]) - 300:page.text.find(people[0]) + 50]
    assert "350***********" in page.text  # masked numbers only
    correct = agent.get(f"{batch_url}/entries/{entries[2].id}")
    assert people[2] in correct.text  # the full data only on the correction form
    fields = {"name": "张三丰", "id_number": people[2], "id_expiry": "2036-01-01", "mobile": "13900000002"}
    page = agent.post(f"{batch_url}/entries/{entries[2].id}", {**fields, "mobile": "123"})
    assert page.status_code == 422 and "11位" in _field_error(page.text, "mobile")
    page = agent.post(f"{batch_url}/entries/{entries[2].id}", fields)
    assert "张**" in page.text and store.employee(entries[2].id).name == "张三丰"
    revision = re.search(r'name="revision" value="(\d+)"', page.text).group(1)
    agent.post(f"{batch_url}/entries/{entries[1].id}/action", {"action": "return", "reason": "不是本单位员工"})
    status = phones[1].get("/payroll/join/status").text
    assert "已退回" in status and "不是本单位员工" in status
    refill = phones[1].get("/payroll/join").text  # the returned entry's own details, to correct what was wrong
    assert f'value="{people[1]}"' in refill
    page = agent.post(f"{batch_url}/submit", {"confirm": "yes", "revision": revision})
    assert page.status_code == 409 and "重新核对" in page.text  # the list changed after that review
    revision = re.search(r'name="revision" value="(\d+)"', agent.get(batch_url).text).group(1)
    used_token = agent.csrf
    forged = agent.post(f"{batch_url}/submit", {"confirm": "yes", "revision": revision}, csrf="forged")
    assert forged.status_code == 403
    page = agent.post(f"{batch_url}/submit", {"confirm": "yes", "revision": revision}, csrf=used_token)
    assert "已提交（冻结）" in page.text
    replayed = agent.post(f"{batch_url}/submit", {"confirm": "yes", "revision": revision}, csrf=used_token)
    assert replayed.status_code == 403  # the same post again: its token is spent
    page = agent.post(f"{batch_url}/submit", {"confirm": "yes", "revision": str(int(revision) + 1)})
    assert "已经提交过" in page.text
    assert batch_file.validate(agent.get(batch_url + "/batch-file").content) == []

    page = teller.get(f"/payroll/staff/batches/{batch_id}")
    assert "电子文件校验通过" in page.text
    image = teller.get(f"/payroll/staff/batches/{batch_id}/entries/{entries[0].id}/front")
    assert image.content == _png(0)
    for entry in (entries[0], entries[2]):
        teller.post(f"/payroll/staff/batches/{batch_id}/entries/{entry.id}", {"action": "verify"})
    page = teller.post(f"/payroll/staff/batches/{batch_id}/approve", {})
    assert "已开户 2 人" in page.text
    texted = service.central.sms.last("13900000000").body
    pickup = re.search(r"(/payroll/pickup/\S+)", texted).group(1)
    assert "领卡" in phones[0].get(pickup).text
    results = agent.get(batch_url + "/results.csv").content.decode("utf-8-sig").splitlines()
    assert [row.split(",")[3] for row in results[1:]] == ["pending", "returned", "pending"]
    logged = [(e.action, e.customer_ref) for e in AuditLog(service.central.store.db).entries("BJ001")]
    assert ("payroll.id_image_viewed", entries[0].id) in logged and ("payroll.entry_verify", entries[2].id) in logged
    assert {"payroll.company_registered", "payroll.agent_added", "payroll.batch_opened"} <= {a for a, _ in logged}
    assert all(people[0] not in json.dumps(e.detail) for e in AuditLog(service.central.store.db).entries("BJ001"))


def _agent_with_batch(service: RunningService, login: str, rng: random.Random, headcount: int = 3):  # type: ignore[no-untyped-def]
    """A company, its agent signed in over HTTP, and an open batch; (client, store, batch)."""
    store = PayrollStore(service.central.store.db, service.central.store.clock)
    company = store.register_company(f"公司{login}", make_uscc("350203", rng), "3502031234567890", "BJ001", by="t")
    store.accept_agreement(company.id, company_agreement(), by="t")
    agent, secret = store.add_agent(company.id, "经办", login, PASSWORD)
    found = store.create_batch(agent, "批次", "payroll_debit", store.today() + timedelta(days=5), headcount)
    client = PageClient(service.url)
    client.get("/payroll/agent/sign-in")
    client.post("/payroll/agent/sign-in", {"login": login, "password": PASSWORD, "code": totp.code_now(secret)})
    return client, store, found


def test_an_agent_of_another_company_is_refused(service: RunningService) -> None:
    rng = random.Random(7)
    _, _, theirs = _agent_with_batch(service, "owner.agent", rng)
    intruder, _, _ = _agent_with_batch(service, "other.agent", rng)
    page = intruder.get(f"/payroll/agent/batches/{theirs.id}")
    assert page.status_code == 403 and "该批次属于其他单位" in page.text
    assert intruder.get(f"/payroll/agent/batches/{theirs.id}/poster.png").status_code == 403
    page = intruder.post(f"/payroll/agent/batches/{theirs.id}/submit", {"confirm": "yes", "revision": "0"})
    assert page.status_code == 403


def test_a_batch_of_2000_stays_usable(service: RunningService) -> None:
    """Paged: the list shows 50 at a time, any page is reachable, the page weighs what 50 rows weigh."""
    rng = random.Random(2000)
    client, store, found = _agent_with_batch(service, "big.agent", rng, headcount=2000)
    seen: set[str] = set()
    while len(seen) < 2000:
        number = id_number(rng, age=20 + rng.randrange(40))
        if number not in seen:
            seen.add(number)
            store.add_entry(found.id, Employee("张三", number, None, "13912345678"))
    page = client.get(f"/payroll/agent/batches/{found.id}?page=40")
    assert page.status_code == 200 and "第 40 / 40 页，共 2000 人" in page.text
    assert page.text.count('<tr id="entry-') == 50 and 'id="entry-2000"' in page.text
    assert len(page.content) < 200_000


def test_page_texts_are_in_step() -> None:
    texts = Path(__file__).resolve().parents[2] / "central_service" / "payroll" / "texts"

    def keys(locale: str) -> set[str]:
        data = tomllib.loads((texts / f"{locale}.toml").read_text(encoding="utf-8"))
        return {f"{section}.{key}" for section, items in data.items() for key in items}

    assert keys("zh_CN") == keys("en")


def test_visitors_not_signed_in_go_to_their_sign_in(service: RunningService) -> None:
    visitor = PageClient(service.url)
    for path, target in [("/payroll/agent", "/payroll/agent/sign-in"),
                         ("/payroll/agent/batches/pb_x", "/payroll/agent/sign-in"),
                         ("/payroll/staff", "/payroll/staff/sign-in")]:
        response = visitor.get(path, follow=False)
        assert response.status_code == 303 and response.headers["location"] == target, path
    assert visitor.get("/payroll/join").status_code == 404  # no batch QR scanned in this session
