"""WSGI entry point for gunicorn: `intellimix.wsgi:app`."""

from intellimix import create_app

app = create_app()
