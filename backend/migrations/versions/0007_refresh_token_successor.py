"""refresh token successor (grace window for a re-presented refresh token)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("successor_jti", sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("successor_jti")
