"""Placement short links: a person's click is counted and redirected; bots, previews and retired links are not."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from bot.context import BotContext
from bot.settings import Settings
from bot.shortlinks import mount
from storage import models as m
from tests.conftest import MIA, SID
from tests.core.helpers import outbox, rows, to_review
from workflows import clicks, stories
from workflows import interactions as ix
from workflows.errors import NotAllowed
from workflows.states import PlacementChannel, PlacementState

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/18.0 Safari/605.1.15")
BOTS = ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "LinkedInBot/1.0 (compatible; Mozilla/5.0)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "facebookexternalhit/1.1",
        "SkypeUriPreview Preview/0.5", "curl/8.5.0", ""]


@contextmanager
def served(core):
    app = FastAPI()
    mount(app, BotContext(settings=Settings(_env_file=None), core=core))
    with TestClient(app, follow_redirects=False) as client:
        yield client


def published(core):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    return stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE,
                           "https://example.com/customers/acme")


def test_publishing_gives_a_short_link_that_counts_a_person_and_redirects_to_the_tagged_page(core, engine):
    done = published(core)
    code = done.placement.code
    assert done.short_link == f"https://advocacy.example.com/p/{code}" and len(code) == 8
    assert any(done.short_link in str(e["card"]) for e in outbox(engine) if e["purpose"] == "wins")
    with served(core) as client:
        response = client.get(f"/p/{code}", headers={"user-agent": BROWSER})
        assert response.status_code == 302 and response.headers["location"] == done.tracked_url
        assert "utm_source=website" in response.headers["location"]
        client.get(f"/p/{code}", headers={"user-agent": BROWSER})
    assert len(rows(engine, m.PlacementClick)) == 2
    [(placement, count)] = [(c.placement.id, c.clicks) for c in clicks.clicks_per_placement(core)]
    assert (placement, count) == (done.placement.id, 2)


def test_bots_link_previews_and_head_requests_are_redirected_but_not_counted(core, engine):
    code = published(core).placement.code
    with served(core) as client:
        for agent in BOTS:
            assert client.get(f"/p/{code}", headers={"user-agent": agent}).status_code == 302, agent
        assert client.head(f"/p/{code}", headers={"user-agent": BROWSER}).status_code == 302
    assert rows(engine, m.PlacementClick) == []


def test_no_personal_data_is_kept_with_a_click(engine):
    columns = {c["name"] for c in inspect(engine).get_columns("placementclick")}
    assert columns == {"id", "placement_id", "clicked_at"}


def test_unknown_malformed_and_retired_links_answer_404_and_count_nothing(core, engine):
    done = published(core)
    with core.unit() as unit:
        unit.repo.guarded_update(m.Placement, done.placement.id, {}, {"state": PlacementState.RETIRED})
    with served(core) as client:
        for path in ("/p/nosuchcode", "/p/" + "x" * 40, f"/p/{done.placement.code}"):
            response = client.get(path, headers={"user-agent": BROWSER})
            assert response.status_code == 404 and "not in use" in response.text
    assert rows(engine, m.PlacementClick) == []


def test_marketing_lists_clicks_per_placement_from_the_command_line(core, engine, monkeypatch):
    from typer.testing import CliRunner

    from bot import cli

    code = published(core).placement.code
    with served(core) as client:
        for _ in range(3):
            client.get(f"/p/{code}", headers={"user-agent": BROWSER})
    monkeypatch.setattr(cli, "_context", lambda migrate=True: BotContext(settings=Settings(_env_file=None), core=core))
    result = CliRunner().invoke(cli.app, ["placements"])
    assert result.exit_code == 0, result.output
    assert "3 clicks  story 1 (Acme Corp)  website" in result.output and f"/p/{code} → https://example.com/customers/acme" \
        in result.output


def test_marketing_sees_clicks_per_placement_in_chat_and_sellers_are_refused(core, engine):
    assert ix.dispatch(core, MIA, "placements", {"text": ""}).message == "No placements yet."
    done = published(core)
    clicks.follow(core, done.placement.code, count=True)
    assert ix.command("placements") == ("placements", "")
    shown = ix.dispatch(core, MIA, "placements", {"text": ""})
    assert shown.message.splitlines() == [
        "Clicks per placement, most clicked first:",
        f"• 1 click: {done.short_link} (Acme Corp, story {done.placement.story_id}, Website, live) "
        "opens https://example.com/customers/acme"]
    assert [(p.short_link, p.clicks) for p in shown.placements] == [(done.short_link, 1)]
    with pytest.raises(NotAllowed, match="see clicks per placement"):
        ix.dispatch(core, SID, "placements", {"text": ""})
