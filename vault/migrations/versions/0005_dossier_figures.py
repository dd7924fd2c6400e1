"""Denormalised per-dossier figures for the indicators (issue 7): component counts by provenance, missed
reuse, return date; the undigitised-documents partial index; components by document. Backfilled from the
raw rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNDIGITISED = "state NOT IN ('stored', 'needs_review') OR signature_valid IS NOT TRUE"

# One UPDATE (each dossier row rewritten once), every figure from the raw rows. The missed-reuse rule is the
# one of vault.dossiers.attach_component, frozen here (a migration must not import live code).
BACKFILL = [
    """UPDATE dossiers SET
        component_count = (SELECT count(*) FROM dossier_components c WHERE c.dossier_id = dossiers.id),
        reused_components = (SELECT count(*) FROM dossier_components c WHERE c.dossier_id = dossiers.id
                               AND c.provenance IN ('reused', 'national_db', 'portal_store')),
        portal_components = (SELECT count(*) FROM dossier_components c WHERE c.dossier_id = dossiers.id
                               AND c.provenance = 'portal_store'),
        missed_reuse_components = (
            SELECT count(*) FROM dossier_components c JOIN documents cd ON cd.id = c.document_id
             WHERE c.dossier_id = dossiers.id AND c.provenance = 'new_scan'
               AND cd.document_type NOT IN ('application_form')
               AND EXISTS (SELECT 1 FROM documents o
                            WHERE o.owner_id = dossiers.owner_id AND o.document_type = cd.document_type
                              AND o.id != cd.id AND o.state = 'stored' AND o.signature_valid IS TRUE
                              AND (o.revoked_at IS NULL OR o.revoked_at > dossiers.received_at)
                              AND o.superseded_by IS NULL
                              AND (o.valid_until IS NULL OR o.valid_until >= dossiers.received_on)
                              AND o.created_at < dossiers.received_at)),
        returned_on = (SELECT s."on" FROM dossier_steps s
                        WHERE s.dossier_id = dossiers.id AND s.step = 'returned')"""
]


def upgrade() -> None:
    for name in ("component_count", "reused_components", "portal_components", "missed_reuse_components"):
        op.add_column("dossiers", sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    op.add_column("dossiers", sa.Column("returned_on", sa.Date(), nullable=True))
    op.create_index("ix_dossier_components_document", "dossier_components", ["document_id"], unique=False)
    op.create_index(
        "ix_documents_undigitised",
        "documents",
        ["id"],
        unique=False,
        postgresql_where=sa.text(UNDIGITISED),
        sqlite_where=sa.text(UNDIGITISED),
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_documents_undigitised", table_name="documents")
    op.drop_index("ix_dossier_components_document", table_name="dossier_components")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        for name in (
            "returned_on",
            "missed_reuse_components",
            "portal_components",
            "reused_components",
            "component_count",
        ):
            batch_op.drop_column(name)
