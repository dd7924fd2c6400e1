"""The production docker-compose.yml is valid for `docker compose config` and has what production needs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_compose_file_is_valid_with_health_checks_and_volumes() -> None:
    if shutil.which("docker") is None:
        pytest.fail("the docker client is missing; scripts/setup.sh expects it on this kind of machine")
    result = subprocess.run(
        ["docker", "compose", "-f", str(REPO / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert {"minio", "redis", "postgres", "worker"} <= set(services)
    for name in ("minio", "redis", "postgres"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert any(v.get("type") == "volume" for v in services[name].get("volumes", [])), (
            f"{name} has no volume"
        )
    depends = services["worker"]["depends_on"]
    assert all(depends[name]["condition"] == "service_healthy" for name in ("minio", "redis", "postgres"))
    assert services["worker"]["environment"]["SOHOA_REDIS_URL"].startswith("redis://")
