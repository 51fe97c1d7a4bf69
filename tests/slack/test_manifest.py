"""The app manifest: everything a new workspace needs, pointing at the one events URL."""

from __future__ import annotations

from pathlib import Path

import yaml

import bot.slack
from bot.slack.listeners.shortcuts import FLAG_MESSAGE

MANIFEST = yaml.safe_load((Path(bot.slack.__file__).parent / "manifest.yaml").read_text())


def test_manifest_declares_every_surface_the_bot_serves():
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert {c["command"] for c in features["slash_commands"]} == {"/win", "/proof", "/advocacy"}
    [shortcut] = features["shortcuts"]
    assert (shortcut["name"], shortcut["type"], shortcut["callback_id"]) == ("Flag as customer win", "message",
                                                                             FLAG_MESSAGE)
    assert set(settings["event_subscriptions"]["bot_events"]) == {"reaction_added", "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] and features["app_home"]["home_tab_enabled"]
    assert features["bot_user"]["display_name"]


def test_manifest_asks_for_the_scopes_the_bot_uses_and_no_others():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "chat:write.public", "channels:join", "users:read", "users:read.email",
                      "usergroups:read", "reactions:read", "channels:history", "groups:history", "files:write"}


def test_every_request_url_is_the_one_events_endpoint_on_a_placeholder_host():
    settings = MANIFEST["settings"]
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
             settings["interactivity"]["message_menu_options_url"]]
    assert set(urls) == {"https://bot.example.com/slack/events"}
    assert settings["socket_mode_enabled"] is False
