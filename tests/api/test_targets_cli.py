"""`planwright target …` against the real api (the test client is an httpx client)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from planwright.cli import main as planwright_main
from planwright.targets.cli import main
from tests.fixture_apps.api.service import SPEC


def test_target_commands_add_list_pause_resume_run_show_delete(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["add", "https://cli.example/", "--cron", "15 3 * * *", "--timezone", "UTC", "--deny", "Archive"]
    assert main(add, client) == 0
    added = capsys.readouterr().out
    assert "At 03:15 every day (UTC)" in added and "cli.example" in added
    found = re.search(r"added target (\d+)", added)
    assert found
    target_id = found.group(1)

    assert main(["list"], client) == 0
    assert re.search(
        rf"^\s*{target_id}  cli\.example  https://cli\.example/  \[15 3 \* \* \* UTC; next ",
        capsys.readouterr().out,
        re.M,
    )
    assert main(["pause", target_id], client) == 0
    assert "paused" in capsys.readouterr().out
    assert main(["resume", target_id], client) == 0
    assert "next 20" in capsys.readouterr().out
    assert main(["run", target_id], client) == 0
    assert re.search(rf"run 1 of target {target_id} queued: plan \d+", capsys.readouterr().out)
    assert main(["show", target_id], client) == 0
    assert re.search(r"run   1  manual   queued", capsys.readouterr().out)
    assert main(["pin", target_id, "1"], client) == 0
    assert f"run 1 of target {target_id} pinned" in capsys.readouterr().out
    assert main(["unpin", target_id, "1"], client) == 0
    assert "unpinned" in capsys.readouterr().out
    assert client.get(f"/api/v1/targets/{target_id}").json()["deny_names"] == ["Archive"]
    assert main(["delete", target_id], client) == 0
    with pytest.raises(SystemExit, match=f"Target {target_id} not found"):
        main(["show", target_id], client)


def test_bad_cron_is_refused_with_the_api_words(client: TestClient) -> None:
    with pytest.raises(SystemExit, match="cron: must have five fields"):
        main(["add", "https://cli.example/", "--cron", "every night"], client)


def test_planwright_target_is_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        planwright_main(["target", "--help"])
    assert "add" in capsys.readouterr().out


def test_an_api_target_from_a_document_file_with_the_services_key(
    client: TestClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = tmp_path / "shop-openapi.json"
    document.write_text(json.dumps(SPEC), encoding="utf-8")
    add = ["add", "http://127.0.0.1:9/", "--openapi", str(document), "--service-api-key", "svc-k3y"]
    assert main(add, client) == 0
    added = capsys.readouterr().out
    found = re.search(r"added target (\d+)", added)
    assert found and "http://127.0.0.1:9/ (api: uploaded document)" in added
    shown = client.get(f"/api/v1/targets/{found.group(1)}").json()
    assert shown["kind"] == "api" and shown["name"] == "127.0.0.1" and shown["has_auth"]
    assert shown["openapi"]["uploaded"] and shown["openapi"]["base_url"] == "http://127.0.0.1:9/"
    assert main(["run", found.group(1)], client) == 0
    assert "queued: plan" in capsys.readouterr().out

    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: [", encoding="utf-8")
    with pytest.raises(SystemExit, match="The OpenAPI document is invalid: neither JSON nor YAML"):
        main(["add", "http://127.0.0.1:9/", "--openapi", str(broken)], client)
    with pytest.raises(SystemExit, match="--openapi: .*No such file"):
        main(["add", "http://127.0.0.1:9/", "--openapi", str(tmp_path / "missing.json")], client)
