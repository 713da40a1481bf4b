"""Demo staff for every demo branch: a teller, a lobby manager (with a kiosk PIN), branch IT and a payroll
officer, with known passwords and TOTP secrets so the demo and the page tests can sign in.

Demo only: real accounts are made with `central staff add`, which shows a fresh TOTP secret once.
"""

from __future__ import annotations

from dataclasses import dataclass

from central_service.auth import totp
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role

DEMO_PASSWORD = "demo-password-2026"
DEMO_PIN = "246810"
# (id suffix, role, name): ids are the branch's number + the suffix (BJ001 -> M101, T101, ...).
PEOPLE = [("M", Role.LOBBY_MANAGER, "大堂经理"), ("T", Role.TELLER, "柜员"), ("I", Role.BRANCH_IT, "网点科技"),
          ("P", Role.PAYROLL_OFFICER, "代发专员")]


@dataclass(frozen=True)
class DemoStaff:
    staff_id: str
    branch_id: str
    role: Role
    totp_secret: str


def demo_staff_id(letter: str, branch_id: str) -> str:
    """M101 for BJ001's lobby manager: the letter, the branch's number, 01."""
    return f"{letter}{int(branch_id[-3:]):d}01"


def demo_sign_in_lines(url: str, made: list[DemoStaff]) -> list[str]:
    """What the demo prints so a developer can sign in on the staff pages (demo accounts only)."""
    lines = [f"staff pages: {url}/staff/sign-in (password {DEMO_PASSWORD}; add a TOTP link to an authenticator app)"]
    lines += [f"  {p.staff_id} {p.role.value}: {totp.provisioning_uri(p.totp_secret, p.staff_id)}" for p in made]
    return lines


def seed_staff(directory: StaffDirectory, branches: list[str]) -> list[DemoStaff]:
    """Add the demo people of `branches` (skipping any that exist); returns them with their TOTP secrets."""
    made = []
    for branch_id in branches:
        for letter, role, name in PEOPLE:
            staff_id = demo_staff_id(letter, branch_id)
            if directory.get(staff_id) is None:
                pin = DEMO_PIN if role is Role.LOBBY_MANAGER else None
                secret = directory.add(staff_id, branch_id, name, frozenset({role}), DEMO_PASSWORD, pin)
                made.append(DemoStaff(staff_id, branch_id, role, secret))
    return made

