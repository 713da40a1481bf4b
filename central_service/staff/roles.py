"""Staff roles and what each may do: the one table the pages and the routes ask."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TELLER = "teller"
    LOBBY_MANAGER = "lobby_manager"
    BRANCH_IT = "branch_it"
    PAYROLL_OFFICER = "payroll_officer"


class Permission(StrEnum):
    FIND_CUSTOMER = "find_customer"
    SEE_FULL_NUMBERS = "see_full_numbers"  # ID, phone and card numbers unmasked (audited on every view)
    HANDOFFS = "handoffs"
    FLOOR = "floor"
    KIOSK_PIN = "kiosk_pin"  # may log in at the branch's kiosks
    PAYROLL_CHECKS = "payroll_checks"
    MANAGE_STAFF = "manage_staff"  # the branch's accounts: revoke (the kiosks refuse the PIN within a minute)


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.TELLER: frozenset({Permission.FIND_CUSTOMER, Permission.SEE_FULL_NUMBERS, Permission.HANDOFFS}),
    Role.LOBBY_MANAGER: frozenset({Permission.FIND_CUSTOMER, Permission.FLOOR, Permission.KIOSK_PIN}),
    Role.BRANCH_IT: frozenset({Permission.FLOOR, Permission.MANAGE_STAFF}),
    Role.PAYROLL_OFFICER: frozenset({Permission.FIND_CUSTOMER, Permission.PAYROLL_CHECKS}),
}


class UnknownRole(ValueError):
    """Not one of teller, lobby_manager, branch_it, payroll_officer."""


def parse_roles(text: str) -> frozenset[Role]:
    """Roles from "teller,lobby_manager". Raises UnknownRole for any other word or an empty list."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    try:
        roles = frozenset(Role(w) for w in words)
    except ValueError:
        raise UnknownRole(f"roles must be among {', '.join(r.value for r in Role)}: {text!r}") from None
    if not roles:
        raise UnknownRole("at least one role")
    return roles


def may(roles: frozenset[str], permission: Permission) -> bool:
    """True if any of `roles` grants `permission`."""
    return any(permission in GRANTS.get(Role(r), frozenset()) for r in roles if r in Role._value2member_map_)
