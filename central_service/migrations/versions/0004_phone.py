"""phone pages: sign-in, booking slots, personal data, tax and risk declarations (issue 15)

Revision ID: 0004
Revises: 0003

Reserved in the chain so the four issues of this session migrate in one line; issue 15's owner fills it in.
"""
from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
