"""The customer's pages: the intake form, the consent page with withdrawal and review-site confirmations,
and referral links.

No login: each page is reached through an unguessable signed link. Forms work without
JavaScript, carry a CSRF token bound to the link, and keep what was typed when something needs fixing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from bot.context import BotContext
from bot.intake import forms
from bot.intake.security import COOKIE, HEADERS, MAX_BODY, Csrf, NotAForm, TooLarge, read_form
from workflows import referrals, reviews, stories
from workflows.errors import Conflict, DomainError, InvalidInput
from workflows.links import BadLink
from workflows.states import label

STATIC = Path(__file__).parent / "static"
templates = Environment(loader=PackageLoader("bot.intake", "templates"), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)


def render(name: str, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status, headers=HEADERS)


def problem(title: str, message: str, status: int) -> HTMLResponse:
    return render("problem.html", status, title=title, message=message)


LINK_PROBLEM = "We could not open this page"


def _form_expired() -> HTMLResponse:
    return problem("Please send the form again",
                   "For your security this form could not be accepted: it was open too long or cookies are "
                   "blocked. Go back, reload the page and send it again.", 403)


async def _posted(request: Request) -> dict[str, list[str]] | HTMLResponse:
    """The form body, or the page explaining why it was refused."""
    try:
        return await read_form(request)
    except TooLarge:
        return problem("That was too much to send at once",
                       f"Answers can be up to {MAX_BODY // 1024} KB in total. Go back, shorten them and send again.",
                       413)
    except (NotAForm, ValueError):
        return problem("We could not read that form", "Go back, reload the page and send it again.", 400)


def router(ctx: BotContext) -> APIRouter:
    core = ctx.core
    csrf = Csrf(ctx.settings.link_secret())
    api = APIRouter()

    def with_token(request: Request, bound_to: str, build) -> Response:
        cookie, field = csrf.issue(bound_to, request.cookies.get(COOKIE))
        response = build(field)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=30 * 86400)
        return response

    def csrf_ok(request: Request, bound_to: str, raw: dict[str, list[str]]) -> bool:
        return csrf.valid(bound_to, (raw.get("csrf") or [""])[0], request.cookies.get(COOKIE))

    def intake_page(request: Request, token: str, view: stories.IntakeView, posted: forms.Posted,
                    status: int = 200) -> Response:
        layout = forms.layout_for(view.ask.ask_type)
        today = core.now().astimezone(core.config.tz).date()
        first = view.contact.name.split()[0] if view.contact and view.contact.name else ""
        return with_token(request, token, lambda field: render(
            "intake.html", status, view=view, layout=layout, posted=posted, csrf=field, first_name=first,
            kind=label(view.ask.ask_type), forms=forms, min_date=(today + timedelta(days=1)).isoformat(),
            disclosure=core.config.review_gating.incentive_disclosure))

    @api.get("/intake/{token}", response_class=HTMLResponse)
    async def intake(request: Request, token: str):
        try:
            view = await run_in_threadpool(stories.view_intake, core, token)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        return intake_page(request, token, view, forms.blank())

    @api.post("/intake/{token}", response_class=HTMLResponse)
    async def submit(request: Request, token: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if not csrf_ok(request, token, raw):
            return _form_expired()
        try:
            view = await run_in_threadpool(stories.view_intake, core, token)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        today = core.now().astimezone(core.config.tz).date()
        posted = forms.parse(raw, forms.layout_for(view.ask.ask_type), today)
        if posted.errors:
            return intake_page(request, token, view, posted, 400)
        try:
            done = await run_in_threadpool(stories.submit_story, core, token, posted.form)
        except InvalidInput as exc:
            posted.errors[exc.field or "body"] = exc.message
            return intake_page(request, token, view, posted, 400)
        except (BadLink, Conflict):
            return problem(LINK_PROBLEM, "This link was already used. Thank you, we have your answer.", 404)
        return RedirectResponse(f"/consent/{done.consent.view_token}?sent=1", status_code=303, headers=HEADERS)

    def consent_page(request: Request, view_token: str, view: stories.ConsentView, status: int = 200,
                     review: dict | None = None, **flags) -> Response:
        return with_token(request, view_token, lambda field: render(
            "consent.html", status, view=view, csrf=field, forms=forms, permanent_url=core.links.consent_url(view_token),
            tz=core.config.tz, sites=reviews.site_pages(core, view.story), posted_reviews=reviews.posted(core, view.story),
            review=review or {"typed": {}, "error": ""}, **flags))

    @api.get("/consent/{view_token}", response_class=HTMLResponse)
    async def consent(request: Request, view_token: str, sent: int = 0, withdrawn: int = 0, reviewed: int = 0):
        try:
            view = await run_in_threadpool(stories.view_consent, core, view_token)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        return await run_in_threadpool(consent_page, request, view_token, view, sent=sent, just_withdrawn=withdrawn,
                                       reviewed=reviewed)

    @api.post("/consent/{view_token}/review", response_class=HTMLResponse)
    async def review_posted(request: Request, view_token: str):
        """"I posted it": the customer gives the address of their review on a review site."""
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if not csrf_ok(request, view_token, raw):
            return _form_expired()
        values = {k: (raw.get(k) or [""])[0].strip() for k in ("site", "url", "rating")}
        try:
            view = await run_in_threadpool(stories.view_consent, core, view_token)
            rating = int(values["rating"]) if values["rating"].isdigit() else None
            await run_in_threadpool(reviews.confirm_site_review, core, view_token, values["site"], values["url"],
                                    rating)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        except Conflict:
            pass  # the same review again: thanked as before
        except InvalidInput as exc:
            return await run_in_threadpool(consent_page, request, view_token, view, 400,
                                           {"typed": values, "error": exc.message})
        return RedirectResponse(f"/consent/{view_token}?reviewed=1", status_code=303, headers=HEADERS)

    @api.post("/consent/{view_token}/withdraw", response_class=HTMLResponse)
    async def withdraw(request: Request, view_token: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if not csrf_ok(request, view_token, raw):
            return _form_expired()
        try:
            await run_in_threadpool(stories.withdraw_consent, core, view_token)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        except Conflict:
            pass  # already withdrawn: the page says so
        return RedirectResponse(f"/consent/{view_token}?withdrawn=1", status_code=303, headers=HEADERS)

    def referral_page(request: Request, code: str, referrer: referrals.Referrer, values: dict, errors: dict,
                      status: int = 200, sent: bool = False) -> Response:
        return with_token(request, code, lambda field: render(
            "referral.html", status, referrer=referrer, values=values, errors=errors, csrf=field, sent=sent,
            forms=forms))

    @api.get("/r/{code}", response_class=HTMLResponse)
    async def referral(request: Request, code: str, sent: int = 0):
        try:
            referrer = await run_in_threadpool(referrals.view_referrer, core, code)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        return referral_page(request, code, referrer, {}, {}, sent=bool(sent))

    @api.post("/r/{code}", response_class=HTMLResponse)
    async def refer(request: Request, code: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if not csrf_ok(request, code, raw):
            return _form_expired()
        try:
            referrer = await run_in_threadpool(referrals.view_referrer, core, code)
        except BadLink as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        values = {name: (raw.get(name) or [""])[0] for name in ("company", "contact_name", "contact_email")}
        try:
            form = referrals.ReferralForm.model_validate(values)
        except ValidationError as exc:
            errors = {}
            for error in exc.errors():
                errors.setdefault(str(error["loc"][0]), forms.message(error))
            return referral_page(request, code, referrer, values, errors, 400)
        try:
            await run_in_threadpool(referrals.record_referral, core, code, form)
        except DomainError as exc:
            return problem(LINK_PROBLEM, exc.message, 404)
        return RedirectResponse(f"/r/{code}?sent=1", status_code=303, headers=HEADERS)

    return api
