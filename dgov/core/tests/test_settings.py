"""Production mode refuses to start with unsafe settings, and says which."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD = {
    "DGOV_MODE": "production",
    "DEBUG": "0",
    "DGOV_DEMO": "0",
    "SECRET_KEY": "p" * 50,
    "DGOV_MASTER_KEY": "ab" * 32,
    "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nunused\n-----END PRIVATE KEY-----",
    "ALLOWED_HOSTS": "gov.example",
}


def start(env_changes, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DATABASE_URL"}
    env.update({"DGOV_VAR_DIR": str(tmp_path)}, **env_changes)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_with_every_secret_starts(tmp_path):
    result = start(GOOD, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"DGOV_DEMO": "1"}, "demo data is on"),
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 40}, "SECRET_KEY is missing, default"),
        ({"DGOV_MASTER_KEY": None}, "DGOV_MASTER_KEY is missing"),
        ({"OIDC_RSA_PRIVATE_KEY": None}, "OIDC_RSA_PRIVATE_KEY is missing"),
        ({"DGOV_MASTER_KEY": "xyz"}, "64 hexadecimal digits"),
        ({"DEBUG": "maybe"}, "is not a boolean"),
        ({"DGOV_MODE": "staging"}, "use 'embedded' or 'production'"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, change, says):
    result = start(GOOD | change, tmp_path)
    assert result.returncode != 0
    assert says in result.stderr


def test_secret_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 60)
    result = start(GOOD | {"SECRET_KEY": None, "SECRET_KEY_FILE": str(secret)}, tmp_path)
    assert result.returncode == 0, result.stderr
    both = start(GOOD | {"SECRET_KEY_FILE": str(secret)}, tmp_path)
    assert "not both" in both.stderr


def test_embedded_default_generates_its_secrets_once(tmp_path):
    env = {"DGOV_MODE": None, "SECRET_KEY": None, "DGOV_MASTER_KEY": None, "OIDC_RSA_PRIVATE_KEY": None}
    assert start(env, tmp_path).returncode == 0
    first = (tmp_path / "master_key").read_text()
    assert start(env, tmp_path).returncode == 0
    assert (tmp_path / "master_key").read_text() == first
    assert oct((tmp_path / "master_key").stat().st_mode)[-3:] == "600"
