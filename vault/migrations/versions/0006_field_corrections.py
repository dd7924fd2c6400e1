"""Clerks' corrections of extracted fields (issue 4): who, when, which field; values sealed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("document_id", sa.Uuid(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("values_sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_field_corrections_document", "field_corrections", ["document_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_field_corrections_document", table_name="field_corrections")
    op.drop_table("field_corrections")
