"""kiosks: the fingerprint of the client certificate signed at enrolment (mTLS)

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:  # batch: SQLite cannot add a unique column in place
        batch.add_column(sa.Column("cert_fingerprint", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("kiosks_cert_fingerprint", ["cert_fingerprint"])


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_constraint("kiosks_cert_fingerprint", type_="unique")
        batch.drop_column("cert_fingerprint")
