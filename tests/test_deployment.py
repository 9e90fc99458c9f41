"""The deployment files say what the README says: docker-compose.yml (parsed with PyYAML;
`docker compose config` needs a container engine, which the test machines lack), the
Dockerfile, .env.example and .ci/run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_the_services() -> None:
    default = {name for name, s in SERVICES.items() if not s.get("profiles")}
    assert default == {"db", "bot"}
    sharded = {name for name, s in SERVICES.items() if "sharded" in s.get("profiles", [])}
    assert sharded == {"bot-shard-0", "bot-shard-1"}


def test_the_database_has_a_healthcheck_and_a_named_volume() -> None:
    db = SERVICES["db"]
    assert db["image"].startswith("postgres:")
    check = db["healthcheck"]
    assert "pg_isready" in " ".join(check["test"]) and check["interval"] and check["retries"]
    volumes = COMPOSE["volumes"]
    mounted = [v.split(":")[0] for v in db["volumes"]]
    assert "pgdata" in mounted and "pgdata" in volumes
    assert "/var/lib/postgresql/data" in db["volumes"][mounted.index("pgdata")]
    assert "POSTGRES_PASSWORD" in environment(db)


def test_every_bot_waits_for_a_healthy_database_and_reads_env() -> None:
    for name in ("bot", "bot-shard-0", "bot-shard-1"):
        bot = SERVICES[name]
        assert bot["build"] == "."
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
        assert bot["env_file"] in (".env", [".env"])
        url = environment(bot)["DATABASE_URL"]
        assert re.match(r"^postgresql://scofactbot:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/", url)
        for volume in bot.get("volumes", []):
            assert volume.split(":")[0] in COMPOSE["volumes"]


def test_the_sharded_profile_splits_the_shards() -> None:
    counts, ids = set(), []
    for name in ("bot-shard-0", "bot-shard-1"):
        env = environment(SERVICES[name])
        counts.add(int(env["SHARD_COUNT"]))
        ids += [int(i) for i in env["SHARD_IDS"].split(",")]
    assert counts == {2}
    assert sorted(ids) == [0, 1]
    assert "SHARD_IDS" not in environment(SERVICES["bot"])


def test_the_image_runs_as_a_non_root_user_with_the_postgres_and_speed_extras() -> None:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(rf"useradd\b.*\b{re.escape(users[-1])}\b", DOCKERFILE)
    extras = re.search(r"pip install \"\.\[([a-z,]+)\]\"", DOCKERFILE)
    assert extras and {"postgres", "speed"} <= set(extras[1].split(","))


def test_the_readme_names_what_the_compose_file_has() -> None:
    section = README.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    for name in [*SERVICES, *COMPOSE["volumes"]]:
        assert f"`{name}`" in section, f"{name} is not in the README's Deployment section"
    for words in (
        "docker compose up",
        "--profile sharded",
        "`SHARD_COUNT",
        "`SHARD_IDS`",
        "POSTGRES_PASSWORD",
        "AutoShardedBot",
        "pg_dump",
        '".backup',
        "python -m bot store copy --from URL --to URL",
        "pip install '.[postgres]'",
        "?schema=",
    ):
        assert words in section, f"{words!r} is not in the README's Deployment section"


def test_env_example_and_ci() -> None:
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^# ?POSTGRES_PASSWORD=", env_example, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pg_isready" in ci and "pg_ctlcluster --skip-systemctl-redirect" in ci
    # The README's command, run in a copy of the checkout in a folder with nothing beside it.
    assert ci.rstrip().endswith("python3 manage.py test")
    assert "git ls-files" in ci and "mktemp -d" in ci
