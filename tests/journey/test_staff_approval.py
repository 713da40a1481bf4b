"""Approvals travel as typed values: which reason a lobby manager approved, and who (for the bank's record)."""

from __future__ import annotations

from kiosk_app.flow.context import SessionContext, StaffApproval


def test_approvals_are_found_by_reason_and_name_their_approver() -> None:
    ctx = SessionContext()
    assert not ctx.approved("onsite_identity") and ctx.approver("onsite_identity") is None
    ctx.staff_approvals.append(StaffApproval("onsite_identity", "M001"))
    ctx.staff_approvals.append(StaffApproval("central_needs_staff:odd", "M002"))  # a reason is a whole key
    assert ctx.approved("onsite_identity") and ctx.approver("onsite_identity") == "M001"
    assert not ctx.approved("central_needs_staff") and ctx.approver("central_needs_staff") is None
