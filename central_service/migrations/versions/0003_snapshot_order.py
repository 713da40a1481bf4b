"""appointments: an index in (branch, id) order for the streamed snapshot's keyset reads

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("appointments_branch_order", "appointments", ["branch_id", "id"])


def downgrade() -> None:
    op.drop_index("appointments_branch_order", table_name="appointments")
