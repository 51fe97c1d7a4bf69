"""Review sites: a star-review answer points the customer to the company's review pages, and "I posted it" with
the review's address counts the review; addresses on other sites, repeats and other kinds of story do not."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.core.helpers import outbox, rows
from tests.intake.conftest import csrf_of
from tests.intake.test_http import GOOD, open_form
from workflows.states import AskType, ReviewSite

SITES = {ReviewSite.G2: "https://www.g2.com/products/acme-advocacy/reviews",
         ReviewSite.CAPTERRA: "https://www.capterra.com/p/1234/acme-advocacy/reviews/"}


@pytest.fixture
def review_sites(ctx, monkeypatch):
    monkeypatch.setattr(ctx.core.config, "review_sites", SITES)


def answered(web, ctx, ask_type=AskType.STAR_REVIEW, rating="4"):
    _, path, csrf = open_form(web, ctx.core, ask_type)
    sent = web.post(path, data={**GOOD, "rating": rating, "csrf": csrf})
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"].split("?")[0]
    return location, web.get(location)


def test_the_customer_is_pointed_to_the_review_sites_and_confirms_a_posted_review(web, ctx, engine, review_sites):
    location, page = answered(web, ctx)
    assert "Review us on G2" in page.text and SITES[ReviewSite.CAPTERRA] in page.text
    url = "https://www.g2.com/products/acme-advocacy/reviews/acme-advocacy-review-8812"
    done = web.post(f"{location}/review", data={"site": "g2", "url": url, "rating": "", "csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"].endswith("?reviewed=1")
    [review] = rows(engine, m.SiteReview)
    assert (review.site, review.url, review.rating) == (ReviewSite.G2, url, 4)  # the stars from the answer
    thanks = web.get(done.headers["location"])
    assert "Thank you for your review" in thanks.text and url in thanks.text
    assert any(e["op"] == "dm" and "posted a review on G2" in str(e["card"]) for e in outbox(engine))
    again = web.post(f"{location}/review", data={"site": "g2", "url": url, "csrf": csrf_of(thanks.text)})
    assert again.status_code == 303 and len(rows(engine, m.SiteReview)) == 1


def test_an_address_on_another_site_is_refused_beside_the_field_and_kept(web, ctx, engine, review_sites):
    location, page = answered(web, ctx)
    wrong = "https://evil.example/g2.com/review"
    refused = web.post(f"{location}/review", data={"site": "g2", "url": wrong, "rating": "5",
                                                   "csrf": csrf_of(page.text)})
    assert refused.status_code == 400
    assert "Paste the address of your review on G2 (it starts with https://www.g2.com/)" in refused.text
    assert f'value="{wrong}"' in refused.text and 'aria-invalid="true"' in refused.text
    assert rows(engine, m.SiteReview) == []


def test_other_stories_and_unconfigured_sites_get_no_review_form(web, ctx, engine, review_sites):
    location, page = answered(web, ctx, AskType.SHORT_QUOTE, rating="")
    assert "Review us on" not in page.text
    refused = web.post(f"{location}/review", data={"site": "g2", "url": SITES[ReviewSite.G2] + "/x",
                                                   "csrf": csrf_of(page.text)})
    assert refused.status_code == 400 and rows(engine, m.SiteReview) == []


def test_a_forged_form_is_refused(web, ctx, engine, review_sites):
    location, _ = answered(web, ctx)
    forged = web.post(f"{location}/review", data={"site": "g2", "url": SITES[ReviewSite.G2] + "/x", "csrf": "x"})
    assert forged.status_code == 403 and rows(engine, m.SiteReview) == []
