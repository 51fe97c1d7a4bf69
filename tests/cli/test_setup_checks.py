"""A new operator's mistakes are refused with the key path and the fix: app.yaml, secrets, DATABASE_URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from tests.cli.test_cli import _free_port

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((ROOT / "app.yaml").read_text())
runner = CliRunner()
GOOD_ENV = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
            "TEAMS_APP_ID": "5f0c5a6e-1111-4222-8333-944455556666", "TEAMS_APP_PASSWORD": "s3cr3t-value",
            "TEAMS_TENANT_ID": "0c7d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}


def _check(env, changes: dict | None = None, drop: str = "", **environment) -> tuple[int, str]:
    data = {**SHIPPED, **(changes or {})}
    data.pop(drop, None)
    path = env / "app.yaml"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["check-config", str(path)], env=environment)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("changes, drop, message", [
    ({"channels": {"slack": {"wins": "#wins"}}}, "",
     "channels.slack.wins: '#wins' is a channel name; use the channel id (C…)"),
    ({"channels": {"slack": {"wins": "wins"}}}, "", "channels.slack.wins: 'wins' is a channel name"),
    ({"channels": {"slack": {"digest": "U0LEADER"}}}, "",
     "channels.slack.digest: 'U0LEADER' is a user id; use the id of a channel (C…)"),
    ({}, "roles", "roles: missing; add a roles block"),
    ({"roles": {"success": ["U0SAM"], "marketing": []}}, "",
     "roles.marketing: nobody holds it, so no story can ever be approved"),
    ({"ask_templates": {"star_review": "Hi {contact}, please review us"}}, "",
     "ask_templates: Value error, star_review: add {link}"),
    ({"public_url": "advocacy.example.com"}, "",
     "public_url: Value error, 'advocacy.example.com' has no scheme; use a full URL such as "
     "https://advocacy.example.com"),
    ({"public_url": "http://advocacy.example.com/"}, "",
     "public_url: Value error, 'http://advocacy.example.com/' is not https; customers' links and the chat "
     "platforms need https://advocacy.example.com/ (http:// only for a local trial on localhost or 127.0.0.1)"),
    ({"channels": {"slack": {"wins": "C0WINS", "nominations": "C0NOMS", "digest": "C0LEAD"}}}, "",
     "channels.slack.approvals: not set, so marketing's review cards (Approve / Request changes / Reject) have "
     "nowhere to go in Slack; set it to the channel id (C…)"),
    ({"channels": {"teams": {"wins": "general"}}}, "",
     "channels.teams.wins: 'general' is not a Teams channel id; use the channel id (19:…@thread.tacv2), shown on "
     "the bot's welcome card"),
    ({"channels": {"teams": {"wins": "19%3a0f3c%40thread.tacv2"}}}, "",
     "channels.teams.wins: '19%3a0f3c%40thread.tacv2' is URL-encoded; use '19:0f3c@thread.tacv2'"),
    ({"channels": {"teams": {"wins": "19:0f3c@thread.tacv2", "nominations": "19:9a1d@thread.tacv2"}}}, "",
     "channels.teams.approvals: not set, so marketing's review cards"),
])
def test_settings_that_cannot_work_are_refused_with_the_key_path_and_fix(env, changes, drop, message):
    code, output = _check(env, changes, drop)
    assert code == 2, output
    assert message in output


def test_the_shipped_config_with_well_formed_secrets_passes_and_values_are_never_shown(env):
    code, output = _check(env, **GOOD_ENV)
    assert code == 0, output
    assert "SLACK_BOT_TOKEN: set, a bot token (xoxb-)" in output
    assert "TEAMS_TENANT_ID: set, a GUID" in output
    assert "ADVOCACY_SECRET: not set" in output
    assert not any(value in output for value in GOOD_ENV.values())


def test_a_platform_with_every_channel_it_posts_to_passes_without_a_digest_channel(env):
    teams = {"wins": "19:3f0c@thread.tacv2", "nominations": "19:9a1d@thread.skype", "approvals": "19:c27e@thread.tacv2"}
    code, output = _check(env, {"channels": {"slack": {"wins": "C0WINS", "nominations": "C0NOMS",
                                                       "approvals": "C0APPR"}, "teams": teams},
                                "public_url": "http://127.0.0.1:3000"})
    assert code == 0, output
    assert "slack: channels for wins, nominations, approvals teams: channels for wins, nominations, approvals" in output


def test_without_app_yaml_the_error_says_where_it_looked_and_names_advocacy_config(env):
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "COLUMNS": "300"}, cwd=env)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2 and len(output.splitlines()) == 1, output
    assert f"app.yaml: not found (looked for {env / 'app.yaml'}); run the command in the folder that holds " \
           "app.yaml, or set ADVOCACY_CONFIG to its path" in output


def test_a_misspelt_variable_in_env_is_named_with_the_closest_known_one(env):
    (env / ".env").write_text("SLACK_BOT_TOKN=xoxb-1-2-secret\nexport TEAMS_APPID=abc\nSLACK_SIGNING_SECRET=x\n"
                              "SLACK_COLOUR=blue\nEDITOR=vim\n")
    code, output = _check(env)
    assert code == 2, output  # the misspelt token is not read, so the signing secret stands alone
    assert ".env: SLACK_BOT_TOKN is not a variable the bot reads; did you mean SLACK_BOT_TOKEN?" in output
    assert ".env: TEAMS_APPID is not a variable the bot reads; did you mean TEAMS_APP_ID?" in output
    assert ".env: SLACK_COLOUR is not a variable the bot reads (see README, Configuration)" in output
    assert "SLACK_SIGNING_SECRET is not" not in output and "EDITOR" not in output and "xoxb-1-2" not in output
    (env / ".env").write_text("SLACK_BOT_TOKN=xoxb-1-2-secret\n")
    code, output = _check(env)
    assert code == 0 and ".env: SLACK_BOT_TOKN is not a variable the bot reads; did you mean SLACK_BOT_TOKEN?" in output


@pytest.mark.parametrize("environment, message", [
    ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "SLACK_SIGNING_SECRET is missing (SLACK_BOT_TOKEN is set)"),
    ({"SLACK_SIGNING_SECRET": GOOD_ENV["SLACK_SIGNING_SECRET"]},
     "SLACK_BOT_TOKEN is missing (SLACK_SIGNING_SECRET is set)"),
    ({**GOOD_ENV, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN: set, but not a bot token"),
    ({**GOOD_ENV, "SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET: set, but 5 characters"),
    ({**GOOD_ENV, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN: set, but not an app-level token"),
    ({**GOOD_ENV, "TEAMS_TENANT_ID": "contoso.onmicrosoft.com"}, "TEAMS_TENANT_ID: set, but not a GUID"),
    ({"TEAMS_APP_ID": GOOD_ENV["TEAMS_APP_ID"]}, "TEAMS_TENANT_ID, TEAMS_APP_PASSWORD missing (TEAMS_APP_ID set)"),
    ({"DATABASE_URL": "./advocacy.db"}, "DATABASE_URL is not a database URL (it has no scheme)"),
])
def test_environment_problems_are_named_without_their_values(env, environment, message):
    code, output = _check(env, **environment)
    assert code == 2, output
    assert message in output
    assert not any(len(v) > 6 and v in output for v in environment.values() if v != "./advocacy.db")


@pytest.mark.parametrize("url, message", [
    ("./advocacy.db", "DATABASE_URL is not a database URL (it has no scheme); for a file write "
                      "sqlite:///./advocacy.db"),
    ("postgresql://postgres:hunter2@127.0.0.1:1/advocacy",
     "DATABASE_URL: cannot reach the database at 127.0.0.1:1/advocacy (connection failed"),
])
@pytest.mark.parametrize("command", [["serve", "--port", "{port}"], ["migrate"], ["demo-data", "--accounts", "1"]])
def test_a_bad_database_url_is_one_line_and_a_non_zero_exit(env, url, message, command):
    command = [str(_free_port()) if part == "{port}" else part for part in command]
    result = subprocess.run([sys.executable, "-m", "bot", *command], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "COLUMNS": "80",
                                 "ADVOCACY_CONFIG": str(ROOT / "app.yaml")}, cwd=env)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2
    assert output.startswith(message) and len(output.splitlines()) == 1, output
    assert "hunter2" not in output and "Traceback" not in output


@pytest.mark.parametrize("url, scheme", [("mysql://advocacy:hunter2@db/advocacy", "mysql"),
                                         ("postgresql+asyncpg://advocacy:hunter2@db/advocacy", "postgresql+asyncpg")])
@pytest.mark.parametrize("command", [["migrate"], ["placements"], ["digest", "preview"], ["export", "advocates", "-"],
                                     ["import", "accounts", "accounts.csv"], ["sweep"],
                                     ["referral", "convert", "1", "--amount", "5", "--as", "U0MARKETNG"],
                                     ["serve", "--port", "{port}"]])
def test_every_command_refuses_a_database_it_cannot_use_as_check_config_does(env, url, scheme, command):
    (env / "accounts.csv").write_text("crm_id,name\nA-1,Acme\n")
    command = [str(_free_port()) if part == "{port}" else part for part in command]
    result = runner.invoke(app, command, env={"DATABASE_URL": url, "ADVOCACY_CONFIG": str(ROOT / "app.yaml")})
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"DATABASE_URL uses {scheme!r}; use sqlite:///… or postgresql://…"
    assert _check(env, DATABASE_URL=url) == (2, f"Environment: DATABASE_URL: DATABASE_URL uses {scheme!r}; use "
                                                "sqlite:///… or postgresql://…; fix DATABASE_URL")
