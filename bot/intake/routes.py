"""The customer's pages: the intake form (or "No thanks"), the final version to approve, the consent page with
withdrawal and review-site confirmations, referral links, and a call's invitation for the owner.

No login: each page is reached through an unguessable signed link. Forms work without
JavaScript, carry a CSRF token bound to the link, and keep what was typed when something needs fixing.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from bot.context import BotContext
from bot.intake import forms
from bot.intake.security import COOKIE, HEADERS, MAX_BODY, Csrf, NotAForm, TooLarge, read_form
from bot.logs import refused
from workflows import calls, final, referrals, reviews, stories
from workflows.errors import Conflict, DomainError, InvalidInput
from workflows.links import BadLink
from workflows.states import AskType, label

STATIC = Path(__file__).parent / "static"
templates = Environment(loader=PackageLoader("bot.intake", "templates"), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)


def render(name: str, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status, headers=HEADERS)


def problem(title: str, message: str, status: int, link: str = "") -> HTMLResponse:
    """A page explaining why nothing happened; `link` (the customer's consent page) when they have one."""
    return render("problem.html", status, title=title, message=message, link=link)


LINK_PROBLEM = "We could not open this page"
USED = "This link was already used. Thank you, we have your answer."
SEND_AGAIN = ("For your security this form could not be accepted: it was open too long or cookies are blocked. "
              "Press Send again.")


def bad_link(request: Request, error: DomainError) -> HTMLResponse:
    """The page for a link that is not valid, has expired or was used (the reason goes to the log line)."""
    refused(request.scope, f"link refused ({type(error).__name__})")
    return problem(LINK_PROBLEM, error.message, 404)


def not_accepted(request: Request, fields) -> None:
    """The log line names the fields the page asks to correct (never what was typed in them)."""
    refused(request.scope, f"answers not accepted: {', '.join(sorted(fields)) or 'the form'}")


def _form_expired() -> HTMLResponse:
    return problem("Please send the form again",
                   "For your security this form could not be accepted: it was open too long or cookies are "
                   "blocked. Go back, reload the page and send it again.", 403)


async def _posted(request: Request) -> dict[str, list[str]] | HTMLResponse:
    """The form body, or the page explaining why it was refused."""
    try:
        return await read_form(request)
    except TooLarge:
        refused(request.scope, f"form over {MAX_BODY // 1024} KB")
        return problem("That was too much to send at once",
                       f"Answers can be up to {MAX_BODY // 1024} KB in total. Go back, shorten them and send again.",
                       413)
    except (NotAForm, ValueError) as exc:
        refused(request.scope, f"not a readable form ({type(exc).__name__})")
        return problem("We could not read that form", "Go back, reload the page and send it again.", 400)


REFERRED = ("company", "contact_name", "contact_email")


def read_referral(raw: dict[str, list[str]]) -> tuple[dict, referrals.ReferralForm | None, dict]:
    """The introduced team as typed, the form when it is acceptable, and the problems by field."""
    values = {name: forms.first_text(raw, name) for name in REFERRED}
    try:
        return values, referrals.ReferralForm.model_validate(values), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            errors.setdefault(str(error["loc"][0]), forms.message(error))
        return values, None, errors


def router(ctx: BotContext) -> APIRouter:
    core = ctx.core
    csrf = Csrf(ctx.settings.link_secret())
    api = APIRouter()

    def with_token(request: Request, bound_to: str, build) -> Response:
        cookie, field = csrf.issue(bound_to, request.cookies.get(COOKIE))
        response = build(field)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                            max_age=30 * 86400)
        return response

    def csrf_ok(request: Request, bound_to: str, raw: dict[str, list[str]]) -> bool:
        ok = csrf.valid(bound_to, (raw.get("csrf") or [""])[0], request.cookies.get(COOKIE))
        if not ok:
            refused(request.scope, "form token missing, expired or from another browser")
        return ok

    async def used_link(request: Request, token: str, error: DomainError,
                        raw: dict[str, list[str]] | None = None) -> Response:
        """The page for a link that cannot take a submission; the browser that used it gets its answer back.

        The same form sent again by that browser (a double tap, Back then Send) gets the same thank-you page.
        """
        sender = csrf.sender(token, request.cookies.get(COOKIE))
        earlier = await run_in_threadpool(stories.sent_before, core, token, sender)
        if earlier is None:
            return bad_link(request, error)
        done = earlier.submitted
        if raw is not None and done.story.ask_type in forms.LAYOUTS:
            again = forms.parse(raw, forms.layout_for(done.story.ask_type), core.now(), core.config.tz)
            if again.form and stories.answers_key(again.form) == earlier.answers:
                return RedirectResponse(f"/consent/{done.consent.view_token}?sent=1", status_code=303, headers=HEADERS)
        refused(request.scope, "link already used")
        return problem("You have already answered", USED, 404, link=done.consent_url)

    def intake_page(request: Request, token: str, view: stories.IntakeView, posted: forms.Posted,
                    status: int = 200) -> Response:
        layout = forms.layout_for(view.ask.ask_type)
        today = core.now().astimezone(core.config.tz).date()
        first = view.contact.name.split()[0] if view.contact and view.contact.name else ""
        return with_token(request, token, lambda field: render(
            "intake.html", status, view=view, layout=layout, posted=posted, csrf=field, first_name=first,
            kind=label(view.ask.ask_type), forms=forms, min_date=(today + timedelta(days=1)).isoformat(),
            disclosure=view.disclosure, decline_action=f"/intake/{token}/decline",
            timezone=core.config.timezone))

    def introduce_page(request: Request, token: str, view: stories.IntakeView, values: dict, errors: dict,
                       status: int = 200) -> Response:
        """A referral ask's page: the team the customer introduces (recorded as a referral, never published)."""
        first = view.contact.name.split()[0] if view.contact and view.contact.name else ""
        return with_token(request, token, lambda field: render(
            "introduce.html", status, view=view, values=values, errors=errors, csrf=field, first_name=first,
            kind=label(view.ask.ask_type), forms=forms, decline_action=f"/intake/{token}/decline"))

    def checked_referral(request: Request, bound_to: str, raw: dict, page) -> tuple[referrals.ReferralForm | None,
                                                                                     Response | None]:
        """The introduced team, or the page again (what was typed, with its problems or a fresh form token)."""
        values, form, errors = read_referral(raw)
        if not csrf_ok(request, bound_to, raw):
            return None, page(values, {"send": SEND_AGAIN}, 403)
        if form is None:
            not_accepted(request, errors)
            return None, page(values, errors, 400)
        return form, None

    async def introduced(request: Request, token: str, view: stories.IntakeView, raw: dict) -> Response:
        form, again = checked_referral(request, token, raw, partial(introduce_page, request, token, view))
        if again is not None:
            return again
        try:
            await run_in_threadpool(referrals.answer_referral_ask, core, token, form)
        except (BadLink, Conflict) as exc:
            return bad_link(request, exc)
        return render("done.html", title="Thank you for the introduction",
                      message=f"We will reach out to {form.contact_name} at {form.company}, mentioning you. "
                              "Nothing you wrote here is published.")

    @api.get("/intake/{token}", response_class=HTMLResponse)
    async def intake(request: Request, token: str):
        try:
            view = await run_in_threadpool(stories.view_intake, core, token)
        except BadLink as exc:
            return await used_link(request, token, exc)
        if view.ask.ask_type == AskType.REFERRAL:
            return introduce_page(request, token, view, {}, {})
        return intake_page(request, token, view, forms.blank())

    @api.post("/intake/{token}", response_class=HTMLResponse)
    async def submit(request: Request, token: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        try:
            view = await run_in_threadpool(stories.view_intake, core, token)
        except BadLink as exc:
            return await used_link(request, token, exc, raw if csrf_ok(request, token, raw) else None)
        if view.ask.ask_type == AskType.REFERRAL:
            return await introduced(request, token, view, raw)
        layout = forms.layout_for(view.ask.ask_type)
        posted = forms.parse(raw, layout, core.now(), core.config.tz)
        if not csrf_ok(request, token, raw):  # what was typed is shown again with a fresh token
            return intake_page(request, token, view, forms.Posted(posted.values, {"send": SEND_AGAIN}), 403)
        if posted.errors:
            not_accepted(request, posted.errors)
            return intake_page(request, token, view, posted, 400)
        sender = csrf.sender(token, request.cookies.get(COOKIE))
        try:
            done = await run_in_threadpool(stories.submit_story, core, token, posted.form, sender)
        except InvalidInput as exc:
            posted.errors[exc.field if exc.field in forms.labels_for(layout) else layout.prompts[0].name] = exc.message
            not_accepted(request, posted.errors)
            return intake_page(request, token, view, posted, 400)
        except (BadLink, Conflict) as exc:
            return await used_link(request, token, exc, raw)
        return RedirectResponse(f"/consent/{done.consent.view_token}?sent=1", status_code=303, headers=HEADERS)

    @api.post("/intake/{token}/decline", response_class=HTMLResponse)
    async def decline(request: Request, token: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if not csrf_ok(request, token, raw):
            return _form_expired()
        try:
            await run_in_threadpool(stories.decline_ask, core, token, (raw.get("reason") or [""])[0].strip())
        except InvalidInput as exc:
            not_accepted(request, ["reason"])
            return problem("That reason is too long", exc.message, 400)
        except (BadLink, Conflict) as exc:
            return bad_link(request, exc)
        return render("done.html", title="Thank you for letting us know",
                      message="We will not ask you about this again, and this link no longer works. "
                              "Thank you for your time.")

    def final_page(request: Request, token: str, view: final.FinalView, note: str = "", error: str = "",
                   status: int = 200) -> Response:
        return with_token(request, token, lambda field: render(
            "final.html", status, view=view, csrf=field, note=note, error=error, token=token, forms=forms))

    @api.get("/final/{token}", response_class=HTMLResponse)
    async def final_version(request: Request, token: str):
        try:
            view = await run_in_threadpool(final.view_final, core, token)
        except BadLink as exc:
            return bad_link(request, exc)
        return final_page(request, token, view)

    @api.post("/final/{token}/{answer}", response_class=HTMLResponse)
    async def final_answer(request: Request, token: str, answer: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        if answer not in ("approve", "changes"):
            refused(request.scope, "no such answer")
            return problem(LINK_PROBLEM, "This page does not exist.", 404)
        note = (raw.get("note") or [""])[0]
        if not csrf_ok(request, token, raw):  # what was typed is shown again with a fresh token
            try:
                view = await run_in_threadpool(final.view_final, core, token)
            except BadLink as gone:
                return bad_link(request, gone)
            return final_page(request, token, view, note, SEND_AGAIN, 403)
        try:
            if answer == "approve":
                await run_in_threadpool(final.approve, core, token)
                return render("done.html", title="Thank you for approving",
                              message="We will publish it exactly as you saw it, only where you allowed.")
            await run_in_threadpool(final.ask_changes, core, token, note)
        except InvalidInput as exc:
            try:
                view = await run_in_threadpool(final.view_final, core, token)
            except BadLink as gone:
                return bad_link(request, gone)
            not_accepted(request, ["note"])
            return final_page(request, token, view, note, exc.message, 400)
        except (BadLink, Conflict) as exc:
            return bad_link(request, exc)
        return render("done.html", title="Thank you, we have your changes",
                      message="We will revise the story and send you the new version to approve. "
                              "Nothing is published before you approve it.")

    @api.get("/calls/{token}/invitation.ics")
    async def call_invitation(request: Request, token: str):
        try:
            body = await run_in_threadpool(calls.invitation, core, token)
        except BadLink as exc:
            return bad_link(request, exc)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": 'attachment; filename="story-call.ics"'})

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
            return bad_link(request, exc)
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
            return bad_link(request, exc)
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
        if (raw.get("confirm") or [""])[0] != "yes":  # one tap on a phone must not end it for good
            try:
                view = await run_in_threadpool(stories.view_consent, core, view_token)
            except BadLink as exc:
                return bad_link(request, exc)
            not_accepted(request, ["confirm"])
            return await run_in_threadpool(consent_page, request, view_token, view, 400,
                                           withdraw_error="Tick the box to confirm that you want to withdraw.")
        try:
            await run_in_threadpool(stories.withdraw_consent, core, view_token)
        except BadLink as exc:
            return bad_link(request, exc)
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
            return bad_link(request, exc)
        return referral_page(request, code, referrer, {}, {}, sent=bool(sent))

    @api.post("/r/{code}", response_class=HTMLResponse)
    async def refer(request: Request, code: str):
        raw = await _posted(request)
        if isinstance(raw, Response):
            return raw
        try:
            referrer = await run_in_threadpool(referrals.view_referrer, core, code)
        except BadLink as exc:
            return bad_link(request, exc)
        form, again = checked_referral(request, code, raw, partial(referral_page, request, code, referrer))
        if again is not None:
            return again
        try:
            await run_in_threadpool(referrals.record_referral, core, code, form)
        except DomainError as exc:
            return bad_link(request, exc)
        return RedirectResponse(f"/r/{code}?sent=1", status_code=303, headers=HEADERS)

    return api
