"""evidence of consent, encrypted personal fields, retention (issue 18)

Revision ID: 0007
Revises: 0006

Reserved in the chain so the four issues of this session migrate in one line; issue 18's owner fills it in.
"""
from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
