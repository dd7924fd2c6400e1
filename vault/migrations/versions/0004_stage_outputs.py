"""Stage outputs and document leases: the OCR stage's sealed result, kept until the signing/storage stage has used it (issue 8)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_outputs",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("meta_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.add_column("documents", sa.Column("lease_holder", sa.String(length=64), nullable=True))
    op.add_column("documents", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "queued_at")
    op.drop_column("documents", "lease_until")
    op.drop_column("documents", "lease_holder")
    op.drop_table("stage_outputs")
