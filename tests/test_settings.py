"""Safe defaults: secret key, debug, hosts, cookies, data dir, env parsing."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tatviz import env, paths, settings

ROOT = Path(__file__).resolve().parent.parent
# Print the settings a fresh start gets, with no TATVIZ_* variable but the dir.
SHOW_SETTINGS = """
import json
from tatviz import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "SESSION_COOKIE_NAME": s.SESSION_COOKIE_NAME,
    "CSRF_COOKIE_NAME": s.CSRF_COOKIE_NAME,
    "SESSION_COOKIE_SAMESITE": s.SESSION_COOKIE_SAMESITE,
    "CSRF_COOKIE_SAMESITE": s.CSRF_COOKIE_SAMESITE,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "SECRET_KEY": s.SECRET_KEY,
    "DATABASE": str(s.DATABASES["default"]["NAME"]),
    "UPLOAD_TEMP": s.FILE_UPLOAD_TEMP_DIR,
    "LOG": s.LOGGING["handlers"]["file"]["filename"],
}))
"""


def fresh_settings(data_dir: Path, **extra_env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TATVIZ_")}
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env={**clean, "TATVIZ_DATA_DIR": str(data_dir), **extra_env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def defaults(tmp_path):
    result = fresh_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_by_default(defaults):
    assert defaults["DEBUG"] is False


def test_only_loopback_host_names_are_allowed(defaults):
    assert sorted(defaults["ALLOWED_HOSTS"]) == ["127.0.0.1", "[::1]", "localhost"]


def test_cookies_have_app_specific_strict_names(defaults):
    # Cookies are shared by every app on 127.0.0.1 whatever the port.
    assert defaults["SESSION_COOKIE_NAME"] == "tatviz_sessionid"
    assert defaults["CSRF_COOKIE_NAME"].startswith("tatviz_")
    assert defaults["CSRF_COOKIE_NAME"].endswith("csrftoken")
    assert defaults["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert defaults["CSRF_COOKIE_SAMESITE"] == "Strict"
    assert defaults["X_FRAME_OPTIONS"] == "DENY"


def test_everything_writable_is_in_the_data_dir(defaults, tmp_path):
    for name in ("DATABASE", "UPLOAD_TEMP", "LOG"):
        assert Path(defaults[name]).is_relative_to(tmp_path.resolve()), name


def test_secret_key_is_per_install_private_and_stable(tmp_path):
    first = fresh_settings(tmp_path / "one")
    again = fresh_settings(tmp_path / "one")
    other = fresh_settings(tmp_path / "two")

    key = json.loads(first.stdout)["SECRET_KEY"]
    assert len(key) >= 50
    assert json.loads(again.stdout)["SECRET_KEY"] == key
    assert json.loads(other.stdout)["SECRET_KEY"] != key
    key_file = tmp_path / "one" / "secret_key.txt"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "one").stat().st_mode) == 0o700


def test_secret_key_file_is_created_private(tmp_path):
    path = tmp_path / "secret_key.txt"
    key = settings._load_secret_key(path)
    assert path.read_text(encoding="ascii") == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings._load_secret_key(path) == key
    assert list(tmp_path.iterdir()) == [path]


def test_empty_secret_key_file_is_replaced(tmp_path):
    path = tmp_path / "secret_key.txt"
    path.write_text("", encoding="ascii")
    key = settings._load_secret_key(path)
    assert len(key) >= 50
    assert path.read_text(encoding="ascii") == key


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TATVIZ_DEBUG", "False please"),
        ("TATVIZ_REQUIRE_TOKEN", "2"),
        ("TATVIZ_MAX_UPLOAD_MB", "1.5"),
        ("TATVIZ_MAX_UPLOAD_MB", "0"),
        ("TATVIZ_RETENTION_DAYS", "-1"),
    ],
)
def test_bad_environment_values_stop_settings_import(tmp_path, name, value):
    result = fresh_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "EnvError" in result.stderr
    assert name in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, False),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("on", True),
    ],
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("TATVIZ_X", raising=False)
    else:
        monkeypatch.setenv("TATVIZ_X", raw)
    assert env.env_bool("TATVIZ_X", default=False) is expected


@pytest.mark.parametrize("raw", ["False please", "2", "y", "enabled"])
def test_env_bool_raises_on_anything_else(monkeypatch, raw):
    monkeypatch.setenv("TATVIZ_X", raw)
    with pytest.raises(env.EnvError, match="TATVIZ_X"):
        env.env_bool("TATVIZ_X")


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 7), ("", 7), ("  ", 7), ("12", 12), (" 3 ", 3)]
)
def test_env_int_reads_whole_numbers(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("TATVIZ_N", raising=False)
    else:
        monkeypatch.setenv("TATVIZ_N", raw)
    assert env.env_int("TATVIZ_N", 7, minimum=1) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("1.5", "not a whole number"), ("ten", "not a whole number"), ("0", "minimum")],
)
def test_env_int_raises_on_bad_values(monkeypatch, raw, message):
    monkeypatch.setenv("TATVIZ_N", raw)
    with pytest.raises(env.EnvError, match=message):
        env.env_int("TATVIZ_N", 7, minimum=1)


def test_data_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TATVIZ_DATA_DIR", str(tmp_path / "x" / ".." / "data"))
    assert paths.data_dir() == (tmp_path / "data").resolve()


def test_default_data_dir_is_the_per_user_data_folder(monkeypatch, tmp_path):
    # On Linux platformdirs follows XDG; on Windows it is %LOCALAPPDATA%.
    monkeypatch.delenv("TATVIZ_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert paths.data_dir() == tmp_path / "TATviz"
