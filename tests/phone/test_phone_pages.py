"""The phone pages over real HTTP (PageClient keeps cookies and CSRF tokens like a browser): who may see what,
messages beside the field, the walk-in form's one-time secret, and both catalogues in step."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from central_service.ids import make_id_number
from central_service.phone.gallery import walk_in_url
from central_service.phone.phone_pages import PAGES
from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    with RunningService(sqlite_settings(tmp_path)) as running:
        yield running


def signed_in(service: RunningService, phone: str) -> PageClient:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    visitor.post("/phone/sign-in", {"phone": phone})
    code = re.search(r"\d{6}", service.central.sms.last(phone).body).group(0)  # type: ignore[union-attr]
    assert visitor.post("/phone/sign-in/code", {"code": code}).url.endswith("/phone/")
    return visitor


def start_booking(visitor: PageClient) -> str:
    page = visitor.get("/phone/book/BJ001")
    day = re.search(r'name="day" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    slot = re.search(r'name="slot" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    landed = visitor.post("/phone/book/BJ001", {"day": day, "slot": slot})
    assert landed.url.endswith("/details"), landed.text[:300]
    return landed.url.rsplit("/", 2)[-2]


def details(number: str) -> dict[str, str]:
    return {"name": "王小明", "id_type": "resident_id", "id_number": number, "id_valid_from": "2020-01-01",
            "id_valid_to": (date.today() + timedelta(days=3000)).isoformat(), "phone": "13912345678",
            "address": "北京市朝阳区建国路88号", "occupation": "20000"}


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="e-{field}">([^<]+)<', html)
    return found.group(1) if found else ""


def test_both_languages_have_the_same_texts() -> None:
    assert PAGES.texts["zh_CN"].keys() == PAGES.texts["en"].keys()


def test_booking_pages_need_a_signed_in_phone_and_only_its_own_bookings(service: RunningService) -> None:
    anonymous = PageClient(service.url)
    assert anonymous.get("/phone/book").status_code == 401
    assert anonymous.get("/phone/", follow=False).headers["location"] == "/phone/sign-in"
    owner, other = signed_in(service, "13900000001"), signed_in(service, "13900000002")
    booking_id = start_booking(owner)
    assert other.get(f"/phone/bookings/{booking_id}/details").status_code == 404
    assert other.post(f"/phone/bookings/{booking_id}/cancel", {}).status_code == 404
    assert owner.get(f"/phone/bookings/{booking_id}/details").status_code == 200


def test_messages_beside_the_field_in_english(service: RunningService) -> None:
    visitor = signed_in(service, "13900000001")
    booking_id = start_booking(visitor)
    visitor.get(f"/phone/bookings/{booking_id}/details?lang=en")
    answer = visitor.post(f"/phone/bookings/{booking_id}/details", {**details("110105199003071230"), "name": ""})
    assert answer.status_code == 422
    assert field_error(answer.text, "name") == "Enter your name."
    assert "check character is wrong" in field_error(answer.text, "id_number")
    assert 'value="110105199003071230"' in answer.text  # kept as typed


def test_credit_card_is_not_offered_to_a_minor(service: RunningService) -> None:
    visitor = signed_in(service, "13900000001")
    booking_id = start_booking(visitor)
    born = date.today() - timedelta(days=365 * 17)
    minor = make_id_number("110105", born, random.Random(5), male=True)
    page = visitor.post(f"/phone/bookings/{booking_id}/details", details(minor))
    assert page.url.endswith("/services") and 'value="credit_card"' not in page.text
    refused = visitor.post(f"/phone/bookings/{booking_id}/services", {"services": "credit_card"})
    assert refused.status_code == 422 and field_error(refused.text, "services")


def test_a_third_open_appointment_for_one_id_number_is_refused_beside_the_field(service: RunningService) -> None:
    number = make_id_number("110105", date(1990, 3, 7), random.Random(9), male=True)
    for phone in ("13900000001", "13900000002"):
        visitor = signed_in(service, phone)
        booking_id = start_booking(visitor)
        assert visitor.post(f"/phone/bookings/{booking_id}/details", details(number)).url.endswith("/services")
    third = signed_in(service, "13900000003")
    booking_id = start_booking(third)
    refused = third.post(f"/phone/bookings/{booking_id}/details", details(number))
    assert refused.status_code == 422 and "最多同时有2个" in field_error(refused.text, "id_number")


def test_walk_in_form_secret_is_one_time(service: RunningService) -> None:
    born = date(1990, 3, 7)
    url = walk_in_url(service, "王小明", make_id_number("110105", born, random.Random(1), male=True), born)
    path = url.removeprefix(service.url)
    phone = PageClient(service.url)
    assert phone.get(path.replace("?t=", "?t=wrong")).status_code == 404
    form = phone.get(path)
    assert form.status_code == 200 and "王**" in form.text
    sent = phone.post(path, {"phone": "13912345678", "address": "北京市朝阳区建国路88号", "occupation": "40000",
                             "status": "china_only", **{f"q{n}": "A" for n in range(1, 7)}})
    assert sent.status_code == 200 and "已提交" in sent.text
    assert phone.post(path, {"phone": "13912345678"}).status_code == 403  # the same token again: a replay
    phone.get("/phone/sign-in")  # a fresh token, a second submission: refused as sent already
    assert phone.post(path, {"phone": "13912345678"}).status_code == 409
    assert len(service.admin.appointments("BJ001")) == 1


def test_walk_in_form_expires_with_the_kiosks_countdown(service: RunningService) -> None:
    from central_api_client import CentralClient
    from central_api_client import journey_models as jm

    _, bearer = service.admin.add_kiosk("BJ001")
    document = jm.IdDocument(id_type="resident_id", id_number="110105199003071234", name="王小明",
                             date_of_birth=date(1990, 3, 7))
    with CentralClient(service.url, bearer_token=bearer) as kiosk:
        short = kiosk.create_walk_in_session(jm.WalkInSessionRequest(kiosk_session_id="s-1", document=document,
                                                                     expires_in_s=120))
        old_kiosk = kiosk.create_walk_in_session(jm.WalkInSessionRequest(kiosk_session_id="s-2", document=document))
    now = datetime.now(UTC)
    assert timedelta(seconds=100) < short.expires_at - now <= timedelta(seconds=120)
    assert timedelta(minutes=14) < old_kiosk.expires_at - now <= timedelta(minutes=15)


def test_sign_in_limits_show_beside_the_field(service: RunningService) -> None:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    assert visitor.post("/phone/sign-in", {"phone": "13900000001"}).url.endswith("/phone/sign-in/code")
    again = visitor.post("/phone/sign-in", {"phone": "13900000001"})
    assert again.status_code == 429 and "60秒" in field_error(again.text, "phone")
    visitor.get("/phone/sign-in/code")
    for _ in range(4):
        assert "不正确" in field_error(visitor.post("/phone/sign-in/code", {"code": "000000x"}).text, "code")
    locked = visitor.post("/phone/sign-in/code", {"code": "000000x"})
    assert "锁定15分钟" in field_error(locked.text, "code")
    assert visitor.get("/phone/book").status_code == 401  # still not signed in


def test_reschedule_and_cancel_from_the_pages_reach_the_feed(service: RunningService) -> None:
    visitor = signed_in(service, "13900000001")
    booking_id = start_booking(visitor)
    base = f"/phone/bookings/{booking_id}"
    number = make_id_number("110105", date(1990, 3, 7), random.Random(3), male=True)
    visitor.post(f"{base}/details", details(number))
    visitor.post(f"{base}/services", {"services": "mobile_banking"})
    visitor.post(f"{base}/tax", {"status": "china_only"})
    visitor.post(f"{base}/risk", {f"q{n}": "C" for n in range(1, 7)})
    shown = visitor.post(f"{base}/confirm", {})
    assert shown.url.endswith("/appointment") and 'class="qr"' in shown.text
    before = service.store.get_appointment(booking_id)
    page = visitor.get(f"{base}/reschedule")
    days = re.findall(r'href="\?day=([0-9-]+)"', page.text)
    later = visitor.get(f"{base}/reschedule?day={days[-1]}")
    slot = re.findall(r'name="slot" value="([^"]+)"', later.text)[-1]
    moved = visitor.post(f"{base}/reschedule", {"day": days[-1], "slot": slot})
    assert moved.url.endswith("/appointment") and "预约时间已修改" in moved.text
    after = service.store.get_appointment(booking_id)
    assert after["version"] == before["version"] + 1 and after["scheduled_for"] != before["scheduled_for"]
    visitor.post(f"{base}/cancel", {})
    assert service.store.get_appointment(booking_id)["status"] == "cancelled"
    assert "class=\"qr\"" not in visitor.get(f"{base}/appointment").text


def test_a_double_tap_books_once(service: RunningService) -> None:
    """Two posts of one form racing with one token (a double tap): exactly one runs, the other gets the 403 page."""
    import threading

    first = signed_in(service, "13900000001")
    page = first.get("/phone/book/BJ001")
    day = re.search(r'name="day" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    slot = re.search(r'name="slot" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    second = PageClient(service.url)
    second.cookies, second.csrf = dict(first.cookies), first.csrf
    statuses: list[int] = []
    start = threading.Barrier(2)

    def tap(visitor: PageClient) -> None:
        start.wait()
        statuses.append(visitor.post("/phone/book/BJ001", {"day": day, "slot": slot}, follow=False).status_code)

    threads = [threading.Thread(target=tap, args=(v,)) for v in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [303, 403]
    assert service.store.count("phone_bookings") == 1
