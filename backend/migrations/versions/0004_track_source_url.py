"""track source url

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("source_url", sa.String(length=2000), nullable=True))
        batch.create_unique_constraint("uq_tracks_user_source_url", ["user_id", "source_url"])


def downgrade():
    with op.batch_alter_table("tracks") as batch:
        batch.drop_constraint("uq_tracks_user_source_url", type_="unique")
        batch.drop_column("source_url")
