"""staff directory, roles, audit log, hand-off queue, floor calls (issue 17)

Revision ID: 0005
Revises: 0004

Reserved in the chain so the four issues of this session migrate in one line; issue 17's owner fills it in.
"""
from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
