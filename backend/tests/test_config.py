"""Configuration from the environment: production fails fast, development persists secrets."""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ProcessPoolExecutor

import pytest

from intellimix.config import ConfigError, load_config

STRONG = "s" * 40


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY, JWT_SECRET_KEY"):
        load_config({"INTELLIMIX_ENV": "production", "INSTANCE_DIR": str(tmp_path)})
    assert not (tmp_path / "secrets.json").exists()


def test_production_refuses_short_secrets(tmp_path):
    env = {
        "INTELLIMIX_ENV": "production",
        "INSTANCE_DIR": str(tmp_path),
        "FLASK_SECRET_KEY": STRONG,
        "JWT_SECRET_KEY": "short",
    }
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        load_config(env)


def test_production_takes_given_secrets(tmp_path):
    env = {
        "INTELLIMIX_ENV": "production",
        "INSTANCE_DIR": str(tmp_path),
        "FLASK_SECRET_KEY": STRONG,
        "JWT_SECRET_KEY": "j" * 40,
    }
    config = load_config(env)
    assert (config["SECRET_KEY"], config["JWT_SECRET_KEY"]) == (STRONG, "j" * 40)


def _dev_secrets(instance_dir: str) -> tuple[str, str]:
    config = load_config({"INSTANCE_DIR": instance_dir})
    return config["SECRET_KEY"], config["JWT_SECRET_KEY"]


def test_development_secrets_are_generated_once_and_shared(tmp_path):
    with ProcessPoolExecutor(max_workers=4) as pool:
        results = set(pool.map(_dev_secrets, [str(tmp_path)] * 8))
    assert len(results) == 1, "every process must agree on the same secrets"
    flask_secret, jwt_secret = results.pop()
    assert len(flask_secret) >= 32 and len(jwt_secret) >= 32 and flask_secret != jwt_secret
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["JWT_SECRET_KEY"] == jwt_secret
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.json"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", "sqlite:///{instance}/intellimix.db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_url(tmp_path, given, expected):
    config = load_config({"INSTANCE_DIR": str(tmp_path), "DATABASE_URL": given, **_secrets()})
    assert config["SQLALCHEMY_DATABASE_URI"] == expected.format(instance=tmp_path)


@pytest.mark.parametrize(
    ("name", "value"),
    [("INTELLIMIX_ENV", "staging"), ("MAX_UPLOAD_MB", "lots"), ("JWT_ACCESS_TOKEN_MINUTES", "1.5")],
)
def test_invalid_values_are_named(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"INSTANCE_DIR": str(tmp_path), name: value, **_secrets()})


def test_dotenv_is_read_and_real_variables_win(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("MAX_UPLOAD_MB=7\nMAX_TRACK_SECONDS=99\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIMIX_ENV", "development")
    monkeypatch.setenv("MAX_TRACK_SECONDS", "600")
    config = load_config()
    assert config["MAX_UPLOAD_MB"] == 7
    assert config["MAX_TRACK_SECONDS"] == 600


def test_test_runs_ignore_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("MIX_CHAT_QUEUE_URL=redis://somewhere:6379/0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIMIX_ENV", "test")
    assert load_config()["MIX_CHAT_QUEUE_URL"] is None


def test_queue_url_also_backs_rate_limits(tmp_path):
    config = load_config(
        {"INSTANCE_DIR": str(tmp_path), "MIX_CHAT_QUEUE_URL": "redis://r:6379/2", **_secrets()}
    )
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/2"
    assert load_config({"INSTANCE_DIR": str(tmp_path)})["RATELIMIT_STORAGE_URI"] == "memory://"


def _secrets() -> dict[str, str]:
    return {"FLASK_SECRET_KEY": STRONG, "JWT_SECRET_KEY": STRONG}


@pytest.mark.parametrize("preset", [None, "/elsewhere/numba"])
def test_the_command_keeps_numbas_cache_in_the_instance_folder(tmp_path, monkeypatch, preset):
    """Numba's default cache beside the installed package was corrupted by workers racing to
    fill it; the command points it at the instance folder unless told otherwise."""
    from click.testing import CliRunner

    from intellimix.cli import main

    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("NUMBA_CACHE_DIR", preset or "")  # recorded, so restored afterwards
    if preset is None:
        monkeypatch.delenv("NUMBA_CACHE_DIR")
    result = CliRunner().invoke(main, ["db", "--help"])
    assert result.exit_code == 0, result.output
    assert os.environ["NUMBA_CACHE_DIR"] == (preset or str(tmp_path.resolve() / "numba-cache"))
