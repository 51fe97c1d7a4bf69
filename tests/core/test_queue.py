"""A person's queue shows what waits on them, by role."""

from __future__ import annotations

from tests.conftest import MIA, NOBODY, OTHER_SUCCESS, SAM
from tests.core.helpers import flag, to_review
from workflows import asks, queue, stories
from workflows.states import AskType


def titles(q, section):
    return [(item.kind, item.title) for item in q.sections.get(section, [])]


def test_success_manager_sees_own_nominations_asks_and_wins(core):
    flag(core, account="Acme")
    beta = flag(core, account="Beta", contact_email="b@beta.test", contact_name="Bo")
    asks.draft_ask(core, SAM, beta.nomination.id, AskType.CASE_STUDY)
    mine = queue.my_queue(core, SAM)
    assert titles(mine, "Nominations") == [("nomination", "Acme")]
    assert titles(mine, "Open asks") == [("ask", "Beta")]
    assert [t for _, t in titles(mine, "My wins")] == ["Beta", "Acme"]
    assert "Reviews" not in mine.sections
    other = queue.my_queue(core, OTHER_SUCCESS)
    assert other.sections["Nominations"] == [] and other.sections["Open asks"] == []


def test_marketing_sees_reviews_and_stories_ready_to_publish(core):
    first, _ = to_review(core)
    assert titles(queue.my_queue(core, MIA), "Reviews") == [("review", "Acme Corp")]
    stories.approve(core, MIA, first.story.id)
    q = queue.my_queue(core, MIA)
    assert q.sections["Reviews"] == [] and titles(q, "Ready to publish") == [("publish", "Acme Corp")]
    assert q.total == 1


def test_someone_without_a_role_sees_only_their_wins(core):
    flag(core, actor=NOBODY, account="Gamma")
    q = queue.my_queue(core, NOBODY)
    assert list(q.sections) == ["My wins"] and titles(q, "My wins") == [("win", "Gamma")]
