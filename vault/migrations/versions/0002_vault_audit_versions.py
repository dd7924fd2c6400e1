"""vault: object versions, revocation reason, erasure tombstones, hash-chained audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "object_versions",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Uuid(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_name", sa.String(length=200), nullable=False),
        sa.Column("version_id", sa.String(length=64), nullable=True),
        sa.Column("plaintext_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kek_id", sa.String(length=64), nullable=True),
        sa.Column("retained_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_object_versions_document", "object_versions", ["document_id", "kind"])
    # Versions written before this revision: one row per object the index already knows.
    op.execute(
        "INSERT INTO object_versions (document_id, kind, object_name, version_id, plaintext_sha256, size,"
        " created_at) SELECT id, 'original', original_object, original_version, original_sha256,"
        " original_size, created_at FROM documents"
    )
    op.execute(
        "INSERT INTO object_versions (document_id, kind, object_name, version_id, plaintext_sha256, size,"
        " created_at) SELECT id, 'signed.pdf', signed_object, signed_version, signed_sha256, 0, updated_at"
        " FROM documents WHERE signed_object IS NOT NULL"
    )

    op.create_table(
        "audit_log",
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_ref", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("owner_ref", sa.String(length=64), nullable=True),
        sa.Column("document_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.String(length=400), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_audit_log_owner", "audit_log", ["owner_ref", "seq"])
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
    )
    op.bulk_insert(chain, [{"id": 1, "seq": 0, "hash": GENESIS}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_chain")
    op.drop_index("ix_audit_log_owner", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_object_versions_document", table_name="object_versions")
    op.drop_table("object_versions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("revoked_reason")
