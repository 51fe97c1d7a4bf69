"""`advocacy-bot teams-package`: the zip a Teams admin uploads, checked field by field."""

from __future__ import annotations

import io
import json
import zipfile

import yaml
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app

APP_ID = "6f1c0c2e-8d3b-4b52-9a55-3c3a2b1d0e7f"


def _run(tmp_path, monkeypatch, public_url="https://advocacy.example.com", app_id=APP_ID, *args):
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump({"public_url": public_url}))
    monkeypatch.setenv("ADVOCACY_CONFIG", str(config))
    monkeypatch.setenv("TEAMS_APP_ID", app_id)
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, ["teams-package", "--out", str(tmp_path / "out" / "bot.zip"), *args])


def test_package_holds_a_valid_manifest_and_icons(tmp_path, monkeypatch):
    result = _run(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    with zipfile.ZipFile(tmp_path / "out" / "bot.zip") as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))

    assert manifest["$schema"].endswith("/v1.17/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.17" and manifest["version"] == "1.0.0"
    assert manifest["id"] == APP_ID
    assert {"name", "websiteUrl", "privacyUrl", "termsOfUseUrl"} <= set(manifest["developer"])
    assert all(manifest["developer"][k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert [c["title"] for c in bot["commandLists"][0]["commands"]] == ["win", "proof", "queue", "digest", "help"]
    [extension] = manifest["composeExtensions"]
    [command] = extension["commands"]
    assert extension["botId"] == APP_ID
    assert (command["id"], command["type"], command["context"], command["fetchTask"]) == (
        "flagWin", "action", ["message"], True)
    assert command["title"] == "Flag as customer win"
    assert manifest["validDomains"] == ["advocacy.example.com"]
    assert manifest["webApplicationInfo"]["id"] == APP_ID and manifest["webApplicationInfo"]["resource"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}]
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    assert {color[:3] for _, color in outline.getcolors(1024) if color[3]} == {(255, 255, 255)}
    assert outline.getpixel((0, 0))[3] == 0  # transparent background


def test_package_needs_the_bot_id_and_an_https_public_url(tmp_path, monkeypatch):
    result = _run(tmp_path, monkeypatch, app_id="")
    assert result.exit_code == 2 and "TEAMS_APP_ID" in result.output
    result = _run(tmp_path, monkeypatch, "http://localhost:3000")
    assert result.exit_code == 2 and "public_url in app.yaml must be an https:// address" in result.output
    result = _run(tmp_path, monkeypatch, "https://advocacy.example.com", APP_ID, "--version", "2")
    assert result.exit_code == 2 and "Version must look like 1.0.0" in result.output
    assert not (tmp_path / "out" / "bot.zip").exists()


def test_options_override_names_and_links(tmp_path, monkeypatch):
    result = _run(tmp_path, monkeypatch, "https://advocacy.example.com", APP_ID, "--name", "Proof", "--version",
                  "1.2.0", "--privacy-url", "https://example.com/privacy")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out" / "bot.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["name"]["short"], manifest["version"]) == ("Proof", "1.2.0")
    assert manifest["developer"]["privacyUrl"] == "https://example.com/privacy"
