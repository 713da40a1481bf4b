"""phone pages: sign-in, booking slots, personal data, tax and risk declarations (issue 15)

Revision ID: 0004
Revises: 0003

The simulated SMS gateway's messages, sign-in codes with their limits, server-side web sessions, places per
branch/day/slot and the phone's bookings.
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
    op.create_table(
        "booking_slots",
        sa.Column("branch_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("slot", sa.String(5), primary_key=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("taken", sa.Integer, nullable=False),
    )
    op.create_table(
        "phone_bookings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("branch_id", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("slot", sa.String(5), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("id_hash", sa.String(64)),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("phone_bookings_phone", "phone_bookings", ["phone", "status"])
    op.create_index("phone_bookings_person", "phone_bookings", ["id_hash", "status"])


def downgrade() -> None:
    op.drop_index("phone_bookings_person", table_name="phone_bookings")
    op.drop_index("phone_bookings_phone", table_name="phone_bookings")
    op.drop_table("phone_bookings")
    op.drop_table("booking_slots")
    op.drop_index("web_sessions_expiry", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("sign_in_codes")
    op.drop_index("sms_messages_phone", table_name="sms_messages")
    op.drop_table("sms_messages")
