"""Realistic appointments for demos, tests and benchmarks: every kind, several branches, Chinese names,
resident ID numbers with their real check characters, payroll employers with valid credit codes.

Deterministic for a given `rng_seed`, so a benchmark or a demo script sees the same people every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from central_api_client.people import OCCUPATIONS
from central_service.ids import make_id_number, make_uscc
from central_service.timefmt import iso

BRANCHES = {"BJ001": "110105", "SH002": "310115", "SZ003": "440305", "CD004": "510107"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红建国志文斌梅宇浩晨欣怡子涵佳琪思远嘉"
STREETS = ["建国路", "人民路", "中山路", "解放路", "长安街", "南京路", "深南大道", "天府大道", "科技园路", "世纪大道"]
CITIES = {"110105": "北京市朝阳区", "310115": "上海市浦东新区", "440305": "深圳市南山区", "510107": "成都市武侯区"}
EMPLOYERS = ["华星科技有限公司", "东方物流股份有限公司", "蓝海软件有限公司", "锦程建设集团有限公司"]
QUESTIONS = [("q1", "ABCD"), ("q2", "ABCDE"), ("q3", "ABC"), ("q4", "ABCD"), ("q5", "ABCDE"), ("q6", "ABC")]
KINDS = ("individual", "payroll", "walk_in")


@dataclass(frozen=True)
class Seeded:
    """One seeded appointment and, when asked for, its QR token text."""

    appointment_id: str
    branch_id: str
    kind: str
    token: str | None

    def __repr__(self) -> str:
        return f"Seeded({self.appointment_id!r}, {self.branch_id!r}, {self.kind!r}, token=...)"


def _person(rng: random.Random, region: str, today: date) -> dict[str, Any]:
    male = rng.random() < 0.5
    born = today - timedelta(days=rng.randrange(18 * 366, 70 * 365))
    if rng.random() < 0.03:
        born = today - timedelta(days=rng.randrange(16 * 366, 18 * 365))  # a few 16-17 year olds
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    person = {"name": name, "gender": "male" if male else "female", "id_type": "resident_id",
              "id_number": make_id_number(region, born, rng, male=male), "date_of_birth": born.isoformat(),
              "nationality": "CHN", "phone": "1" + rng.choice("3456789") + "".join(rng.choice("0123456789")
                                                                                 for _ in range(9)),
              "address": f"{CITIES[region]}{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
              "occupation": rng.choice(OCCUPATIONS)}
    if rng.random() < 0.9:
        person["id_expiry"] = (today + timedelta(days=rng.randrange(30, 20 * 365))).isoformat()
    return person


def _questionnaire(rng: random.Random, now: datetime) -> dict[str, Any]:
    answers = [{"question_id": q, "answer": rng.choice(options)} for q, options in QUESTIONS]
    return {"questionnaire_id": "RQ-2024-01", "answers": answers, "answered_at": iso(now - timedelta(hours=2))}


def _services(rng: random.Random, kind: str) -> dict[str, bool]:
    full = kind == "payroll" or rng.random() < 0.6
    return {"debit_card": True, "mobile_banking": full or rng.random() < 0.7, "online_banking": full,
            "risk_assessment": True, "credit_card": full and rng.random() < 0.5, "wechat_binding": full,
            "follow_official_account": full or rng.random() < 0.5}


def make_appointment(rng: random.Random, branch_id: str, kind: str, now: datetime) -> dict[str, Any]:
    """One booked appointment as the service stores it (version 1)."""
    region = BRANCHES.get(branch_id, "110105")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    doc: dict[str, Any] = {
        "id": "apt_" + "".join(rng.choice(alphabet) for _ in range(16)), "branch_id": branch_id, "kind": kind,
        "status": "booked", "version": 1, "created_at": iso(now), "updated_at": iso(now),
        "scheduled_for": iso(now + timedelta(hours=rng.randrange(1, 72))),
        "customer": _person(rng, region, now.date()), "services": _services(rng, kind),
        "tax_residency": {"status": "china_only", "declared_at": iso(now - timedelta(hours=2))},
        "risk_questionnaire": _questionnaire(rng, now),
    }
    if rng.random() < 0.05:
        doc["tax_residency"] = {"status": "china_and_other", "declared_at": iso(now - timedelta(hours=2)),
                                "jurisdictions": [{"country": "US", "tin": f"9{rng.randrange(10**7, 10**8)}"}]}
    if kind == "payroll":
        employer = rng.randrange(len(EMPLOYERS))
        doc["payroll"] = {"employer_name": EMPLOYERS[employer], "employer_credit_code": make_uscc(region, rng),
                          "batch_id": f"PB{employer:02d}{rng.randrange(1000, 9999)}",
                          "agreement_id": f"PA{employer:04d}",
                          "employee_number": f"E{rng.randrange(10000, 99999)}"}
        doc["customer"]["employer"] = EMPLOYERS[employer]
    return doc


def generate(branches: list[str], per_branch: int, *, rng_seed: int | None = None,
             now: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Appointments for each branch: mostly individual, some payroll, a few walk-in (random seed if None)."""
    rng = random.Random(rng_seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    weights = (0.7, 0.2, 0.1)
    for branch_id in branches:
        for _ in range(per_branch):
            yield make_appointment(rng, branch_id, rng.choices(KINDS, weights)[0], now)
