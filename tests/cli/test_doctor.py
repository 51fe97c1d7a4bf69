"""`doctor` and the start-up check against the Slack emulator and the Teams connector emulator."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from typer.testing import CliRunner

from bot.checks import teams_token
from bot.cli import app
from bot.doctor import diagnose
from bot.settings import Settings
from storage import conversations
from storage.db import make_engine
from storage.migrate import upgrade
from tests.cli.test_cli import _free_port, _stop, _wait_healthy
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SCOPES, SlackEmulator
from tests.emulators.teams_connector import FakeBotConnector

ROOT = Path(__file__).resolve().parents[2]
TOKEN, SIGNING = "xoxb-1-doctor", "0123456789abcdef0123456789abcdef"
TEAMS_WINS, TEAMS_NOMS = "19:wins@thread.tacv2", "19:noms@thread.tacv2"
MIA_AAD = "a1b2c3d4-0000-4000-8000-0000000000a1"
APP_ID, TENANT = "5f0c5a6e-1111-4222-8333-944455556666", "0c7d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(scope="module")
def slack():
    with SlackEmulator() as emu:
        emu.add_user("U0SAM", email="sam@example.com", real_name="Sam Success", name="sam")
        emu.add_user("U0MIA", email="mia@example.com", real_name="Mia Marketing", name="mia")
        emu.add_usergroup("marketing", ["U0MIA"])
        emu.add_channel("C0WINS", "wins", is_member=True)
        emu.add_channel("C0NOMS", "nominations", is_member=False)
        emu.add_channel("G0APPR", "approvals", is_private=True, is_member=False)
        yield emu


@pytest.fixture(scope="module")
def connector():
    with FakeBotConnector() as fake:
        yield fake


@pytest.fixture(scope="module")
def public_url():
    web = FastAPI()
    web.get("/healthz")(lambda: {"status": "ok"})
    with run_asgi(web) as url:
        yield url


@pytest.fixture
def setup(tmp_path, slack, connector, public_url):
    slack.reset()
    connector.reset()
    connector.add_user("29:1mia", "Mia", MIA_AAD, email="mia@example.com")
    config = yaml.safe_load((ROOT / "app.yaml").read_text())
    config.update(public_url=public_url, roles={"success": ["U0SAM", "sam@example.com"],
                                                "marketing": ["@marketing", "U0GONE", MIA_AAD]},
                  channels={"slack": {"wins": "C0WINS", "nominations": "C0NOMS", "approvals": "G0APPR"},
                            "teams": {"wins": TEAMS_WINS, "nominations": TEAMS_NOMS}})
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config))
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    upgrade(make_engine(url))
    env = {"ADVOCACY_CONFIG": str(path), "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING, "SLACK_API_URL": slack.base_url, "ADVOCACY_SECRET": "x" * 32}
    return env


def _install(url: str, connector: FakeBotConnector) -> None:
    seen = conversations.Seen(TEAMS_WINS, connector.service_url, tenant_id=TENANT, team_id=TEAMS_WINS,
                              channel_id=TEAMS_WINS, conversation_type="channel")
    conversations.remember(make_engine(url), seen, datetime.now(UTC))


def _by_check(env: dict) -> dict:
    return {f.what: f for f in diagnose(Settings(_env_file=None, **{k.lower(): v for k, v in env.items()}))}


def test_doctor_reports_what_works_and_how_to_fix_the_rest(setup, slack, connector):
    slack.scopes = [s for s in SCOPES if s != "channels:join"] + ["im:write"]
    _install(setup["DATABASE_URL"], connector)
    found = _by_check(setup)
    assert found["Slack token"].ok and "workspace Test Team" in found["Slack token"].detail
    assert not found["Slack scopes"].ok and found["Slack scopes"].detail == "missing channels:join"
    assert found["Slack wins channel"].ok and "#wins (C0WINS, public), the bot is a member" in found[
        "Slack wins channel"].detail
    assert not found["Slack nominations channel"].ok and "lacks channels:join" in found["Slack nominations channel"].detail
    assert not found["Slack approvals channel"].ok
    assert "/invite @Advocacy" in found["Slack approvals channel"].fix
    assert found["Role success"].ok and found["Role success"].detail == "found: Sam Success, Sam Success"
    assert not found["Role marketing"].ok and "not found in Slack: U0GONE" in found["Role marketing"].detail
    assert found["Role marketing (Teams)"].ok
    assert found["Teams wins channel"].ok and found["Teams nominations channel"].warning
    assert found["Database"].ok and "migrated" in found["Database"].detail
    assert found["Public URL"].ok
    unset = found["app.yaml"]  # Teams has wins and nominations channels but no approvals channel
    assert not unset.ok and unset.detail.startswith("channels.teams.approvals: not set, so marketing's review cards")
    assert "19:…@thread.tacv2" in unset.fix and "welcome card" in unset.fix
    assert slack.calls("conversations.join") == []  # doctor looks, it does not change anything


def test_doctor_with_channels_join_says_the_bot_will_join_and_a_bad_token_stops_there(setup, slack):
    found = _by_check(setup)
    assert found["Slack nominations channel"].ok and "will join it at start" in found["Slack nominations channel"].detail
    assert not found["Teams wins channel"].ok and "not installed in any team" in found["Teams wins channel"].detail
    slack.rejected_tokens.add(TOKEN)
    found = _by_check(setup)
    assert found["Slack token"].detail == "invalid_auth" and "SLACK_BOT_TOKEN" in found["Slack token"].fix
    assert "Slack scopes" not in found


def test_doctor_prints_a_table_and_exits_non_zero_on_a_problem(setup, slack):
    result = CliRunner().invoke(app, ["doctor"], env={**setup, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "advocacy-bot doctor" in result.output and "Slack token" in result.output
    assert "✗" in result.output and TOKEN not in result.output and SIGNING not in result.output


def test_doctor_fails_while_no_chat_platform_is_set_up_and_says_how_to_set_one_up(setup, monkeypatch, tmp_path):
    config = yaml.safe_load(Path(setup["ADVOCACY_CONFIG"]).read_text())
    Path(setup["ADVOCACY_CONFIG"]).write_text(yaml.safe_dump({**config, "channels": {}}))
    (tmp_path / ".env").write_text("SLACK_BOT_TOKN=xoxb-typo\n")
    monkeypatch.chdir(tmp_path)
    env = {**{k: v for k, v in setup.items() if not k.startswith("SLACK_")}, "COLUMNS": "300"}
    result = CliRunner().invoke(app, ["doctor"], env={**env, "SLACK_BOT_TOKEN": None, "TEAMS_APP_ID": None})
    rows = {line.split("│")[2].strip(): line for line in result.output.splitlines() if line.count("│") == 5}
    assert result.exit_code == 1, result.output
    assert "✗" in rows["Slack"] and "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET from the Slack app" in rows["Slack"]
    assert "✗" in rows["Teams"] and "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID" in rows["Teams"]
    assert "!" in rows[".env"] and "SLACK_BOT_TOKN is not a variable the bot reads; did you mean SLACK_BOT_TOKEN?" \
        in rows[".env"] and "rename it to SLACK_BOT_TOKEN" in rows[".env"]
    assert [name for name, row in rows.items() if "✗" in row] == ["Slack", "Teams"]


def test_without_slack_role_emails_are_looked_up_in_the_teams_roster(setup, connector):
    _install(setup["DATABASE_URL"], connector)
    config = yaml.safe_load(Path(setup["ADVOCACY_CONFIG"]).read_text())
    config["roles"]["marketing"] = ["Mia@Example.com", "ghost@example.com"]
    Path(setup["ADVOCACY_CONFIG"]).write_text(yaml.safe_dump(config))
    found = _by_check({k: v for k, v in setup.items() if not k.startswith("SLACK")})
    assert "Slack token" not in found
    marketing = found["Role marketing (Teams)"]
    assert not marketing.ok and marketing.detail == "not in the team's roster: ghost@example.com"


def test_a_missing_sqlite_file_is_reported_not_created(setup, tmp_path):
    found = _by_check({**setup, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"})
    assert not found["Database"].ok and "no database file yet" in found["Database"].detail
    assert not (tmp_path / "none.db").exists()


def test_an_unreachable_database_and_public_url_are_reported(setup):
    found = _by_check({**setup, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"})
    assert not found["Database"].ok and "cannot reach the database at 127.0.0.1:1/x" in found["Database"].detail
    assert "that the server is running" in found["Database"].fix and "DATABASE_URL" in found["Database"].fix
    config = yaml.safe_load(Path(setup["ADVOCACY_CONFIG"]).read_text())
    Path(setup["ADVOCACY_CONFIG"]).write_text(yaml.safe_dump({**config, "public_url": "http://127.0.0.1:1"}))
    assert not _by_check(setup)["Public URL"].ok


async def test_teams_credentials_are_checked_by_fetching_a_token(connector):
    connector.reset()
    connector.app_id, connector.app_password = APP_ID, "right-secret"
    settings = Settings(_env_file=None, teams_app_id=APP_ID, teams_tenant_id=TENANT, teams_app_password="right-secret",
                        teams_login_url=connector.login_url)
    assert await teams_token(settings) == ""
    wrong = settings.model_copy(update={"teams_app_password": settings.teams_app_password.__class__("wrong")})
    assert await teams_token(wrong) == "token request refused: invalid_client (AADSTS7000215)"
    [call, _] = connector.calls("token")
    assert call.path == f"/{TENANT}/oauth2/v2.0/token"


def _serve(env: dict) -> tuple[dict, str]:
    """Start `serve`, read /healthz once it answers, stop it: (health, everything it printed)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={"PATH": "/usr/bin:/bin", "SCHEDULER": "false", "COLUMNS": "300", **env})
    try:
        health = _wait_healthy(proc, port).json()
    finally:
        output = _stop(proc)
    return health, output


def test_serve_reports_a_refused_slack_token_in_the_banner_and_healthz(setup, slack):
    slack.rejected_tokens.add(TOKEN)
    health, output = _serve(setup)
    assert health["surfaces"]["slack"].startswith("error: invalid_auth")
    banner = [line for line in output.splitlines() if line.strip().startswith("slack ")]
    assert banner and "error: invalid_auth" in banner[0], output


def test_serve_joins_public_channels_and_tells_the_admin_to_invite_it_to_private_ones(setup, slack):
    slack.add_channel("C0NOMS", "nominations", is_member=False)
    health, output = _serve(setup)
    assert [c.args["channel"] for c in slack.calls("conversations.join")] == ["C0NOMS"]
    assert "G0APPR not found, or private without the bot" in health["surfaces"]["slack setup"]
    assert "/invite @Advocacy" in " ".join(output.split())
    assert "channels.teams.approvals: not set, so marketing's review cards" in " ".join(output.split())


def test_serve_reports_refused_teams_credentials(setup, connector):
    connector.app_id, connector.app_password = APP_ID, "the-real-secret"
    env = {**setup, "TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": TENANT, "TEAMS_APP_PASSWORD": "an-old-secret",
           "TEAMS_LOGIN_URL": connector.login_url}
    health, output = _serve(env)
    assert health["surfaces"]["teams"].startswith("error: token request refused: invalid_client (AADSTS7000215)")
    assert "teams      error: token request refused" in output and "an-old-secret" not in output


def test_a_slow_slack_does_not_hold_up_the_start(setup, slack):
    slack.delay_next("auth.test", 8)
    health, output = _serve(setup)
    assert health["surfaces"]["slack"] == "on: POST /slack/events"  # answered while the check was still waiting
    assert [c.method for c in slack.calls()] == []  # auth.test was asked but has not answered yet
    assert "Listening on" in output
