"""staff directory, roles, audit log, hand-off queue, floor calls (issue 17)

Revision ID: 0005
Revises: 0004

The audit log is append-only in the database too: triggers refuse UPDATE and DELETE on both engines, so not even
a hand-written statement can rewrite who saw what.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_APPEND_ONLY = "audit_log is append-only"


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(32), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=False),
        sa.Column("pin_hash", sa.String(200)),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("credentials_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("staff_branch", "staff", ["branch_id", "staff_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("login", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
        sa.Column("last_code_step", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor_kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("customer_ref", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("audit_log_branch", "audit_log", ["branch_id", "n"])
    op.create_table(
        "staff_calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("called_at", sa.String(40), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("answered_by", sa.String(32)),
        sa.Column("answered_at", sa.String(32)),
    )
    op.create_index("staff_calls_kiosk", "staff_calls", ["kiosk_id", "status"])
    op.create_index("staff_calls_branch", "staff_calls", ["branch_id", "status"])
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False, unique=True),
        sa.Column("appointment_id", sa.String(64)),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_at", sa.String(40), nullable=False),
        sa.Column("taken_by", sa.String(32)),
        sa.Column("served_at", sa.String(32)),
    )
    op.create_index("handoffs_branch", "handoffs", ["branch_id", "status"])
    op.create_table(
        "triage",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("triage_branch", "triage", ["branch_id", "at"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_refuse()")
    for table in ("triage", "handoffs", "staff_calls", "audit_log", "sign_in_failures", "staff"):
        op.drop_table(table)
