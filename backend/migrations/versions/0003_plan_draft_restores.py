"""plan drafts record the draft they restore (undo, redo, go back)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("plan_drafts") as batch:
        batch.add_column(sa.Column("restores_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_plan_drafts_restores_id_plan_drafts"),
            "plan_drafts",
            ["restores_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("plan_drafts") as batch:
        batch.drop_constraint(op.f("fk_plan_drafts_restores_id_plan_drafts"), type_="foreignkey")
        batch.drop_column("restores_id")
