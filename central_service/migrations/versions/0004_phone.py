"""phone pages: sign-in, booking slots, personal data, tax and risk declarations (issue 15)

Revision ID: 0004
Revises: 0003

The simulated SMS gateway's messages, sign-in codes with their limits, server-side web sessions.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=False),
    )
    op.create_index("sms_messages_phone", "sms_messages", ["phone", "n"])
    op.create_table(
        "sign_in_codes",
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("sent_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("wrong_tries", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("web_sessions_expiry", "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("web_sessions_expiry", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("sign_in_codes")
    op.drop_index("sms_messages_phone", table_name="sms_messages")
    op.drop_table("sms_messages")
