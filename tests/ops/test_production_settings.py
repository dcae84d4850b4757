"""Production settings: refuse unsafe configurations, pass `check --deploy`, send a strict CSP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from heartline.settings import DEV_SECRET_KEY, PROJECT_DIR

SETUP = "import django; django.setup()"
SECRET_MESSAGE = "HEARTLINE_SECRET_KEY must be set to a random value of at least 50 characters"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HEARTLINE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="heartline.settings",
        HEARTLINE_ENV="production",
        HEARTLINE_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        HEARTLINE_ALLOWED_HOSTS="crm.example.com",
        HEARTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'heartline.sqlite3'}",
        HEARTLINE_VAR_DIR=str(tmp_path / "var"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_full_production_environment_starts(tmp_path):
    env = production_env(tmp_path)
    assert len(env["HEARTLINE_SECRET_KEY"]) == 64
    result = run_python(
        env, "-c", SETUP + "; from django.conf import settings; print(settings.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"HEARTLINE_SECRET_KEY": ""}, SECRET_MESSAGE),
        ({"HEARTLINE_SECRET_KEY": DEV_SECRET_KEY}, SECRET_MESSAGE),
        ({"HEARTLINE_SECRET_KEY": "too-short-" * 4}, SECRET_MESSAGE),
        ({"HEARTLINE_DEBUG": "true"}, "HEARTLINE_DEBUG must be off in production."),
        ({"HEARTLINE_DEBUG": "maybe"}, "HEARTLINE_DEBUG must be true or false, not 'maybe'"),
    ],
    ids=["no-secret", "default-secret", "short-secret", "debug-on", "debug-garbage"],
)
def test_production_refuses_to_start(tmp_path, overrides, message):
    env = production_env(tmp_path, **overrides)
    if overrides.get("HEARTLINE_SECRET_KEY") == "":
        del env["HEARTLINE_SECRET_KEY"]
    result = run_python(env, "-c", SETUP)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " + message in result.stderr


@pytest.mark.slow
def test_check_deploy_reports_no_issues_at_all(tmp_path):
    result = run_python(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "DEBUG"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/login/"])
def test_content_security_policy_is_strict(path):
    response = Client().get(path)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert parse_csp(header) == EXPECTED_CSP
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
