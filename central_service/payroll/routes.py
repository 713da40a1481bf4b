"""The payroll area's page routes (registered in app.py): (path, name, endpoint, method)."""

from __future__ import annotations

from central_service.payroll import pages_agent as a
from central_service.payroll import pages_employee as e
from central_service.payroll import pages_pickup as p
from central_service.payroll import pages_teller as t


def _page(path: str, name: str, endpoint, methods=("GET", "POST")) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(path, f"{name}{m.title()}", endpoint, m) for m in methods]


AGENT = "/payroll/agent"
BATCH = "/payroll/agent/batches/{batch_id}"
STAFF = "/payroll/staff"

ROUTES = [
    *_page(f"{AGENT}/sign-in", "payrollAgentSignIn", a.sign_in),
    *_page(f"{AGENT}/sign-out", "payrollAgentSignOut", a.sign_out, ("POST",)),
    *_page(AGENT, "payrollAgentHome", a.home),
    *_page(f"{AGENT}/agreement", "payrollAgentAgreement", a.agreement),
    *_page(BATCH, "payrollAgentBatch", a.batch, ("GET",)),
    *_page(f"{BATCH}/entries/{{entry_id}}", "payrollAgentEntry", a.entry_correct),
    *_page(f"{BATCH}/entries/{{entry_id}}/action", "payrollAgentEntryAction", a.entry_action, ("POST",)),
    *_page(f"{BATCH}/submit", "payrollAgentSubmit", a.submit, ("POST",)),
    *_page(f"{BATCH}/poster.png", "payrollPosterPng", a.poster_png, ("GET",)),
    *_page(f"{BATCH}/poster.pdf", "payrollPosterPdf", a.poster_pdf, ("GET",)),
    *_page(f"{BATCH}/results.csv", "payrollResultsCsv", a.results_csv, ("GET",)),
    *_page(f"{BATCH}/batch-file", "payrollAgentBatchFile", a.batch_file, ("GET",)),
    *_page("/P/{token}", "payrollBatchLink", e.batch_link, ("GET",)),
    *_page("/payroll/join", "payrollJoin", e.join),
    *_page("/payroll/join/images", "payrollJoinImages", e.images_page, ("GET",)),
    ("/payroll/join/images", "payrollJoinImagesPost", e.upload_images, "POST"),
    *_page("/payroll/join/status", "payrollJoinStatus", e.status, ("GET",)),
    *_page("/payroll/pickup/{entry_id}", "payrollPickup", p.pickup, ("GET",)),
    *_page("/payroll/pickup/{entry_id}/qr.png", "payrollPickupQr", p.pickup_qr, ("GET",)),
    *_page(f"{STAFF}/sign-in", "payrollStaffSignIn", t.sign_in),
    *_page(f"{STAFF}/sign-out", "payrollStaffSignOut", t.sign_out, ("POST",)),
    *_page(STAFF, "payrollStaffHome", t.home),
    *_page(f"{STAFF}/batches/{{batch_id}}", "payrollStaffBatch", t.batch, ("GET",)),
    *_page(f"{STAFF}/batches/{{batch_id}}/entries/{{entry_id}}", "payrollStaffDecision", t.entry_decision,
           ("POST",)),
    *_page(f"{STAFF}/batches/{{batch_id}}/entries/{{entry_id}}/{{side}}", "payrollStaffImage", t.entry_image,
           ("GET",)),
    *_page(f"{STAFF}/batches/{{batch_id}}/approve", "payrollStaffApprove", t.approve, ("POST",)),
    *_page(f"{STAFF}/batches/{{batch_id}}/batch-file", "payrollStaffBatchFile", t.batch_file_download, ("GET",)),
]
