"""evidence of consent, encrypted personal fields, retention (issue 18)

Revision ID: 0007
Revises: 0006

Two parts of issue 18 migrate here, each in its own function: the envelope keys of encryption at rest
(`_envelope_keys_*`, with retention's purge marks) and the evidence of consent and signature (part A).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _envelope_keys_up() -> None:
    op.create_table(
        "data_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "purged_rows",
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=False),
        sa.Column("purged_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id"),
    )


def _envelope_keys_down() -> None:
    op.drop_table("purged_rows")
    op.drop_table("data_keys")


def upgrade() -> None:
    _evidence_upgrade()
    _envelope_keys_up()


def downgrade() -> None:
    _envelope_keys_down()
    _evidence_downgrade()


# --- evidence of consent and signature (part A; schema.py's evidence block) ---------------------------------------

def _evidence_upgrade() -> None:
    op.create_table(
        "account_evidence",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("kiosk_session_id", sa.String(64), nullable=False),
        sa.Column("appointment_id", sa.String(64)),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("confirmed_data", sa.Text, nullable=False),
        sa.Column("edited_fields", sa.Text, nullable=False),
        sa.Column("signature_png", sa.LargeBinary, nullable=False),
        sa.Column("signature_sha256", sa.String(64), nullable=False),
        sa.Column("signature_strokes", sa.Text, nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
    )
    op.create_index("account_evidence_appointment", "account_evidence", ["appointment_id"])
    op.create_table(
        "evidence_acceptances",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("given_at", sa.String(32), nullable=False),
    )

    op.create_table(
        "phone_verifications",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("kiosk_session_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        sa.Column("phone_masked", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts_left", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("confirmed_at", sa.String(32)),
    )
    op.create_index("phone_verifications_session", "phone_verifications", ["kiosk_session_id"])


def _evidence_downgrade() -> None:
    op.drop_index("phone_verifications_session", table_name="phone_verifications")
    op.drop_table("phone_verifications")
    op.drop_table("evidence_acceptances")
    op.drop_index("account_evidence_appointment", table_name="account_evidence")
    op.drop_table("account_evidence")
