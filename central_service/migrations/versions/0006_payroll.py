"""payroll: companies, agents, batches, entries (issue 16)

Revision ID: 0006
Revises: 0005

Reserved in the chain so the four issues of this session migrate in one line; issue 16's owner fills it in.
"""
from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
