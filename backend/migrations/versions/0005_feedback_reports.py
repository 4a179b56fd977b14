"""feedback reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "feedback_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("track_id", sa.String(length=36), nullable=False),
        sa.Column("reference_track_id", sa.String(length=36), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("genre", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.String(length=16), nullable=False),
        sa.Column("report", json_type, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_feedback_reports_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_track_id"], ["tracks.id"],
            name=op.f("fk_feedback_reports_reference_track_id_tracks"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_feedback_reports_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["feedback_reports.id"],
            name=op.f("fk_feedback_reports_parent_id_feedback_reports"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_feedback_reports_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_reports")),
    )
    op.create_index("ix_feedback_reports_track", "feedback_reports", ["track_id"])
    op.create_index(
        "ix_feedback_reports_user_created", "feedback_reports", ["user_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_feedback_reports_user_created", table_name="feedback_reports")
    op.drop_index("ix_feedback_reports_track", table_name="feedback_reports")
    op.drop_table("feedback_reports")
