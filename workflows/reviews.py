"""Public reviews on review sites (G2, Capterra, TrustRadius): where a star-review ask points the customer, and
the customer's "I posted it" with the review's address, which then counts in review volume and rating."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from storage import models as m
from storage import outcomes as oq
from workflows import cards
from workflows.core import Core
from workflows.effects import Effect
from workflows.errors import Conflict, InvalidInput
from workflows.gating import is_public_review
from workflows.links import BadLink
from workflows.states import ReviewSite, label


@dataclass
class SitePage:
    site: ReviewSite
    name: str
    url: str


def site_pages(core: Core, story: m.Story) -> list[SitePage]:
    """The company's review pages to offer with a star-review story; none for other kinds of story."""
    if not is_public_review(story.ask_type, core.config):
        return []
    return [SitePage(site, label(site), url) for site, url in core.config.review_sites.items()]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def confirm_site_review(core: Core, view_token: str, site: str, url: str, rating: int | None = None) -> m.SiteReview:
    """The customer says they posted their review on a site, at an address on that site."""
    url = (url or "").strip()
    with core.unit() as unit:
        consent = unit.repo.consent_by_token(view_token)
        if consent is None:
            raise BadLink("This consent link is not valid. Check that it was copied in full.")
        story = unit.repo.get(m.Story, consent.story_id)
        pages = {p.site.value: p for p in site_pages(core, story)}
        if site not in pages:
            raise InvalidInput("Choose the site you posted your review on.", field="site")
        page = pages[site]
        if not url.startswith("https://") or len(url) > 1000 or _host(url) != _host(page.url):
            raise InvalidInput(f"Paste the address of your review on {page.name} (it starts with "
                               f"https://{urlsplit(page.url).hostname}/).", field="url")
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidInput("Choose 1 to 5 stars, or leave it empty.", field="rating")
        if oq.site_review_by_url(unit.repo.session, url) is not None:
            raise Conflict("We already have this review. Thank you!")
        review = unit.repo.add(m.SiteReview(ask_id=story.ask_id, account_id=story.account_id,
                                            contact_id=story.contact_id, site=page.site, url=url,
                                            rating=rating if rating is not None else story.rating,
                                            confirmed_at=unit.now))
        unit.audit("site_review", review.id, "confirmed", "customer", site=site)
        account = unit.repo.get(m.Account, story.account_id)
        unit.emit(Effect("dm", cards.notice(f"{account.name} posted a review on {page.name}", url),
                         person=story.owner))
    return review


def posted(core: Core, story: m.Story) -> list[m.SiteReview]:
    """Reviews the customer confirmed for this story's ask."""
    if story.ask_id is None:
        return []
    with core.unit(read_only=True) as unit:
        return oq.site_reviews_for_ask(unit.repo.session, story.ask_id)
