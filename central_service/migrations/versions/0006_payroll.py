"""payroll: companies, agreement acceptances, agents, batches, entries (issue 16)

Revision ID: 0006
Revises: 0005

Edited in place while issue 16's tables evolve (the chain 0004-0007 was reserved for this session).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payroll_companies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("payroll_account", sa.String(length=40), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uscc"),
    )
    op.create_table(
        "payroll_agreement_acceptances",
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.String(length=32), nullable=False),
        sa.Column("accepted_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "payroll_agents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_index("ix_payroll_agents_company_id", "payroll_agents", ["company_id"])
    op.create_table(
        "payroll_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("card_product", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.String(length=10), nullable=False),
        sa.Column("expected_headcount", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.String(length=32), nullable=True),
        sa.Column("approved_at", sa.String(length=32), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payroll_batches_company_id", "payroll_batches", ["company_id"])
    op.create_table(
        "payroll_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("name_masked", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=32), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("account_number_masked", sa.String(length=32), nullable=True),
        sa.Column("appointment_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "id_hash", name="payroll_entries_batch_person"),
        sa.UniqueConstraint("batch_id", "line", name="payroll_entries_batch_line"),
    )
    op.create_index("payroll_entries_appointment", "payroll_entries", ["appointment_id"])
    op.create_table(
        "payroll_entry_images",
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "side"),
    )


def downgrade() -> None:
    op.drop_table("payroll_entry_images")
    op.drop_index("payroll_entries_appointment", table_name="payroll_entries")
    op.drop_table("payroll_entries")
    op.drop_index("ix_payroll_batches_company_id", table_name="payroll_batches")
    op.drop_table("payroll_batches")
    op.drop_index("ix_payroll_agents_company_id", table_name="payroll_agents")
    op.drop_table("payroll_agents")
    op.drop_table("payroll_agreement_acceptances")
    op.drop_table("payroll_companies")
