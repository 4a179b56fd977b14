"""track content hash (duplicate uploads) and genre

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 01:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("genre", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
        batch.create_index("ix_tracks_user_content_sha256", ["user_id", "content_sha256"])


def downgrade():
    with op.batch_alter_table("tracks") as batch:
        batch.drop_index("ix_tracks_user_content_sha256")
        batch.drop_column("content_sha256")
        batch.drop_column("genre")
