"""docker-compose.yml resolves (`docker-compose config`) into the deployment we mean to run.

Runs the Compose CLI on a copy of the compose file with a `.env` made from `.env.example`, in a
temporary folder: the checkout's own `.env`, if any, is never read, and no container is started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ingest.settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
DOCKERFILE = REPO_ROOT / "Dockerfile"

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
LONG_RUNNING = AIRFLOW_SERVICES - {"airflow-init"} | {"postgres"}
REPO_MOUNTS = ("dags", "dbt_project", "expectations", "ingest", "sources", "sample_data")


def _compose_command() -> list[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose not installed: apt-get install docker-compose (Debian's Compose v1)")
    return [binary]


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _run_config(folder: Path) -> subprocess.CompletedProcess:
    # A bare environment: values exported in the caller's shell must not stand in for .env.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder)}
    return subprocess.run(
        [*_compose_command(), "-f", str(folder / "docker-compose.yml"), "config"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _project(tmp_path: Path, env_text: str | None) -> Path:
    folder = tmp_path / "deploy"
    folder.mkdir()
    shutil.copy(COMPOSE_FILE, folder / "docker-compose.yml")
    shutil.copy(DOCKERFILE, folder / "Dockerfile")
    if env_text is not None:
        (folder / ".env").write_text(env_text)
    return folder


def _mounts(service: dict) -> dict[str, tuple[str, bool]]:
    """target -> (source, read_only), from Compose v1 strings or v2 long syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            parts = volume.split(":")
            source, target = parts[0], parts[1]
            read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        else:
            source, target = volume.get("source", ""), volume["target"]
            read_only = bool(volume.get("read_only"))
        mounts[target] = (source, read_only)
    return mounts


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: str(value) for key, value in env.items()}


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    return _read_env(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    folder = _project(tmp_path_factory.mktemp("compose"), ENV_EXAMPLE.read_text())
    result = _run_config(folder)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_services(config):
    assert set(config["services"]) == AIRFLOW_SERVICES | {"postgres"}


def test_airflow_services_share_the_configuration(config, example_env):
    expected_conn = (
        f"postgresql+psycopg2://{example_env['POSTGRES_USER']}:{example_env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{example_env['POSTGRES_DB']}"
    )
    for name in AIRFLOW_SERVICES:
        service = config["services"][name]
        env = _environment(service)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == expected_conn, name
        assert env["AIRFLOW__CORE__FERNET_KEY"] == example_env["AIRFLOW_FERNET_KEY"], name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == example_env["AIRFLOW_JWT_SECRET"], name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-api-server:8080/execution/"
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/trialwh/dags"
        assert env["TRIALWH_HOME"] == "/opt/trialwh/var"
        assert env["TRIALWH_RAW_DIR"] == "/opt/trialwh/raw"
        assert env["PYTHONPATH"] == "/opt/trialwh"
        assert service["image"] == config["services"]["airflow-scheduler"]["image"]
        assert service["build"]["dockerfile"] == "Dockerfile"


def test_code_is_mounted_read_only_and_state_lives_on_named_volumes(config):
    assert {"postgres-data", "trialwh-var", "trialwh-raw", "airflow-logs"} <= set(config["volumes"])
    for name in AIRFLOW_SERVICES:
        mounts = _mounts(config["services"][name])
        for folder in REPO_MOUNTS:
            source, read_only = mounts[f"/opt/trialwh/{folder}"]
            assert Path(source).name == folder, (name, source)
            assert read_only, (name, folder)
        assert mounts["/opt/trialwh/var"] == ("trialwh-var", False), name
        assert mounts["/opt/trialwh/raw"] == ("trialwh-raw", False), name
    assert _mounts(config["services"]["postgres"])["/var/lib/postgresql/data"][0] == "postgres-data"
    for folder in REPO_MOUNTS:
        assert (REPO_ROOT / folder).is_dir(), f"{folder}/ is mounted but missing from the repository"


def test_commands_healthchecks_and_start_order(config):
    services = config["services"]

    def command(name: str) -> str:
        value = services[name]["command"]
        return " ".join(value) if isinstance(value, list) else value

    assert "api-server" in command("airflow-api-server")
    assert command("airflow-scheduler").endswith("scheduler")
    assert command("airflow-dag-processor").endswith("dag-processor")
    assert command("airflow-triggerer").endswith("triggerer")
    init = command("airflow-init")
    assert "airflow db migrate" in init
    assert "airflow users create --role Admin" in init
    assert "airflow pools set duckdb_writer 1" in init

    ports = services["airflow-api-server"]["ports"]
    published = [p if isinstance(p, str) else f"{p.get('published')}:{p['target']}" for p in ports]
    assert any(str(p).split("/")[0].endswith("8080:8080") for p in published), published

    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["restart"] == "unless-stopped", name
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    assert services["airflow-init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["airflow-scheduler"]["depends_on"]["airflow-api-server"]["condition"] == "service_healthy"


def test_admin_credentials_come_from_the_env_file(config, example_env):
    env = _environment(config["services"]["airflow-init"])
    assert env["AIRFLOW_ADMIN_USERNAME"] == example_env["AIRFLOW_ADMIN_USERNAME"]
    assert env["AIRFLOW_ADMIN_PASSWORD"] == example_env["AIRFLOW_ADMIN_PASSWORD"]
    # the long-running services do not carry the admin password
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert "AIRFLOW_ADMIN_PASSWORD" not in _environment(config["services"][name]), name


def test_missing_env_file_fails_loudly(tmp_path):
    result = _run_config(_project(tmp_path, None))
    assert result.returncode != 0
    assert ".env" in result.stderr


def test_missing_secret_is_named(tmp_path, example_env):
    lines = [f"{key}={value}" for key, value in example_env.items() if key != "AIRFLOW_JWT_SECRET"]
    result = _run_config(_project(tmp_path, "\n".join(lines) + "\n"))
    assert result.returncode != 0
    assert "AIRFLOW_JWT_SECRET" in result.stderr


def test_env_example_and_dockerfile():
    example = _read_env(ENV_EXAMPLE)
    required = {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "AIRFLOW_FERNET_KEY",
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_API_SECRET_KEY",
        "AIRFLOW_ADMIN_USERNAME",
        "AIRFLOW_ADMIN_PASSWORD",
        "AIRFLOW_ADMIN_EMAIL",
    }
    assert required <= set(example)
    for key in ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD"):
        assert "change-me" in example[key], f"{key} in .env.example must be an obvious placeholder"
    gitignore = (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in gitignore

    dockerfile = DOCKERFILE.read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "-r /tmp/trialwh/requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps /tmp/trialwh" in dockerfile
