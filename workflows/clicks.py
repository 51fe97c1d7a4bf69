"""Placement short links: following one counts a click (when a person, not a bot, follows it) and gives the
UTM-tagged page to redirect to. Nothing about the visitor is stored, only the time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage import models as m
from storage import outcomes as oq
from workflows.core import Core
from workflows.errors import NotFound
from workflows.utm import short_link

CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def follow(core: Core, code: str, count: bool) -> str | None:
    """The tagged URL of a live placement's short link, counting the click if asked; None when unknown or retired."""
    if not CODE.match(code):
        return None
    with core.unit(read_only=not count) as unit:
        if count:
            return oq.count_click(unit.repo.session, code, unit.now)
        return oq.live_placement_url(unit.repo.session, code)


@dataclass
class PlacementClicks:
    placement: m.Placement
    account: str  # the name of the customer whose story it places
    short_link: str
    clicks: int


def clicks_per_placement(core: Core, story_id: int | None = None) -> list[PlacementClicks]:
    """Every placement (of one story, if given) with its short link and counted clicks, most clicked first."""
    with core.unit(read_only=True) as unit:
        if story_id is not None and unit.repo.get(m.Story, story_id) is None:
            raise NotFound(f"No story {story_id}.")
        found = oq.clicks_per_placement(unit.repo.session, story_id)
    return [PlacementClicks(p, account, short_link(core.config.public_url, p.code) if p.code else "", n)
            for p, account, n in found]


def none_to_list(story_id: int | None = None) -> str:
    """What to say when there is no placement to list."""
    return "No placements yet." if story_id is None else f"Story {story_id} has no placements yet."
