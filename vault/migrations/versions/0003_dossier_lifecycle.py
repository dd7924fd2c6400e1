"""Dossier lifecycle: the five steps, deadline, result document, catalogue version (issue 7)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:04:02.197580
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "step",
            sa.Enum(
                "received",
                "appraised",
                "approved",
                "sealed",
                "returned",
                name="dossierstep",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "step", name="uq_dossier_step"),
    )
    with op.batch_alter_table("dossier_components", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_components_dossier", ["dossier_id", "provenance"], unique=False)

    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("catalogue_version", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("deadline_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("result_document_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("result_synced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_dossiers_agency_received", ["agency_code", "received_on"], unique=False)
        batch_op.create_foreign_key(
            "fk_dossiers_result_document", "documents", ["result_document_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dossiers_result_document", type_="foreignkey")
        batch_op.drop_index("ix_dossiers_agency_received")
        batch_op.drop_column("result_synced_at")
        batch_op.drop_column("result_document_id")
        batch_op.drop_column("deadline_on")
        batch_op.drop_column("catalogue_version")

    with op.batch_alter_table("dossier_components", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_components_dossier")

    op.drop_table("dossier_steps")
