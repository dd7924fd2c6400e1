"""Dossiers keep whether their components and result are digitised copies (issue 7).

``undigitised_components`` (components whose document is not stored-and-validly-signed) and
``result_undigitised`` are set by vault.dossiers when a component or result is recorded, and kept current by
a trigger on documents whenever a document's state or signature validity changes, whoever changes it
(workers, the vault, an SQL script). The indicators then read one row per dossier and join nothing.
Index of dossiers by result document, for the trigger. Backfilled from the raw rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Whether a document row (NEW, OLD or a table alias) is a digitised copy; the same rule as
# vault.index.UNDIGITISED_DOCUMENT_SQL, frozen here.
DIGITISED = "({0}.state IN ('stored', 'needs_review') AND {0}.signature_valid IS TRUE)"
COUNT_UNDIGITISED = (
    "(SELECT count(*) FROM dossier_components c JOIN documents d ON d.id = c.document_id"
    " WHERE c.dossier_id = dossiers.id AND NOT " + DIGITISED.format("d") + ")"
)
# What the trigger does when a document's digitised status changes (recomputed, not incremented).
ON_CHANGE = [
    "UPDATE dossiers SET undigitised_components = "
    + COUNT_UNDIGITISED
    + " WHERE id IN (SELECT dossier_id FROM dossier_components WHERE document_id = NEW.id)",
    "UPDATE dossiers SET result_undigitised = NOT "
    + DIGITISED.format("NEW")
    + " WHERE result_document_id = NEW.id",
]
CHANGED = DIGITISED.format("NEW") + " IS DISTINCT FROM " + DIGITISED.format("OLD")
SQLITE_CHANGED = DIGITISED.format("NEW") + " IS NOT " + DIGITISED.format("OLD")

BACKFILL = [
    "UPDATE dossiers SET undigitised_components = " + COUNT_UNDIGITISED + ","
    " result_undigitised = coalesce((SELECT NOT " + DIGITISED.format("r") + " FROM documents r"
    " WHERE r.id = dossiers.result_document_id), false)"
]


def upgrade() -> None:
    op.add_column(
        "dossiers", sa.Column("undigitised_components", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "dossiers", sa.Column("result_undigitised", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index("ix_dossiers_result_document", "dossiers", ["result_document_id"], unique=False)
    for statement in BACKFILL:
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        body = ";\n    ".join(ON_CHANGE)
        op.execute(
            f"""CREATE FUNCTION dossiers_follow_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {CHANGED} THEN
    {body};
  END IF;
  RETURN NULL;
END $$"""
        )
        op.execute(
            "CREATE TRIGGER documents_digitised_changed AFTER UPDATE OF state, signature_valid ON documents"
            " FOR EACH ROW EXECUTE FUNCTION dossiers_follow_document()"
        )
    else:
        body = ";\n  ".join(ON_CHANGE)
        op.execute(
            "CREATE TRIGGER documents_digitised_changed AFTER UPDATE OF state, signature_valid ON documents"
            f" FOR EACH ROW WHEN {SQLITE_CHANGED}\nBEGIN\n  {body};\nEND"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER documents_digitised_changed" + (" ON documents" if _pg() else ""))
    if _pg():
        op.execute("DROP FUNCTION dossiers_follow_document()")
    op.drop_index("ix_dossiers_result_document", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("result_undigitised")
        batch_op.drop_column("undigitised_components")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
