"""Program configuration (app.yaml): schema, defaults and a loader with clear errors."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workflows.states import AskType, ReviewSite, Role


class ConfigError(ValueError):
    """app.yaml is missing, unreadable or invalid; the message names the key path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
TEAMS_CHANNEL_ID = re.compile(r"^19:[^\s@]+@thread\.(tacv2|skype)$")
PLATFORMS = ("slack", "teams")
PURPOSES = ("wins", "nominations", "approvals", "digest")
POSTED_TO = {  # what the flow posts to each channel a platform in use needs; the digest channel is optional
    "wins": "win celebrations and published-story announcements",
    "nominations": "nomination cards (Ask / Not now / Snooze)",
    "approvals": "marketing's review cards (Approve / Request changes / Reject)",
}
FIND_CHANNEL_ID = {
    "slack": "the channel id (C…), shown at the bottom of the channel's details in Slack",
    "teams": "the channel id (19:…@thread.tacv2), shown on the bot's welcome card when the app is added to "
             "the team, or by `@Advocacy help` in the channel",
}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class Channels(_Strict):
    wins: str = ""
    nominations: str = ""
    approvals: str = ""
    digest: str = ""


def slack_channel_problem(value: str) -> str:
    """Why a Slack channel setting cannot work, or "" (Slack needs the channel id, not its name)."""
    if not value or SLACK_CHANNEL_ID.match(value):
        return ""
    if value.startswith("#") or not value[:1].isupper():
        return f"{value!r} is a channel name; use {FIND_CHANNEL_ID['slack']}"
    if value[:1] in "UW":
        return f"{value!r} is a user id; use the id of a channel (C…)"
    return f"{value!r} is not a Slack channel id (C… or G…)"


def teams_channel_problem(value: str) -> str:
    """Why a Teams channel setting cannot work, or "" (Teams needs the channel id, 19:…@thread.tacv2)."""
    if not value or TEAMS_CHANNEL_ID.match(value):
        return ""
    decoded = unquote(value)
    if decoded != value and TEAMS_CHANNEL_ID.match(decoded):
        return f"{value!r} is URL-encoded; use {decoded!r}"
    return f"{value!r} is not a Teams channel id; use {FIND_CHANNEL_ID['teams']}"


CHANNEL_PROBLEMS = {"slack": slack_channel_problem, "teams": teams_channel_problem}


class Permissions(_Strict):
    success_acts_on_any_account: bool = False


SCORE_SIGNALS = ("nps", "nps_trend", "usage", "time_to_value", "fit", "support", "win_recency", "turnaround")
PROFILE_KEYS = ("segments", "industries", "regions")


class Scoring(_Strict):
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "nps": 3.0, "nps_trend": 1.0, "usage": 2.0, "time_to_value": 1.0,
            "fit": 1.0, "support": 1.5, "win_recency": 4.0, "turnaround": 2.0,
        }
    )
    ideal_customer_profile: dict[str, list[str]] = Field(default_factory=dict)
    weak_below: float = Field(0.4, ge=0, le=1)
    sweep_limit: int = Field(10, ge=0)  # most nominations one sweep creates
    fairness_weight: float = Field(0.5, ge=0, le=5)  # 0 turns the re-ranking off
    coverage_days: int = Field(180, ge=1)  # "recent" published stories, for the re-ranking

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in weights.items() if v < 0]
        if bad:
            raise ValueError(f"weights must not be negative: {', '.join(bad)}")
        unknown = sorted(set(weights) - set(SCORE_SIGNALS))
        if unknown:
            raise ValueError(f"unknown signal(s) {', '.join(unknown)}; use {', '.join(SCORE_SIGNALS)}")
        return weights

    @field_validator("ideal_customer_profile")
    @classmethod
    def _profile_keys(cls, profile: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(profile) - set(PROFILE_KEYS))
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; use {', '.join(PROFILE_KEYS)}")
        return profile


class Fatigue(_Strict):
    cooldown_days: int = Field(30, ge=0)
    per_quarter: dict[AskType, int] = Field(default_factory=lambda: {AskType.REFERENCE_CALL: 1})


class ReviewGating(_Strict):
    public_review_types: list[AskType] = Field(default_factory=lambda: [AskType.STAR_REVIEW])
    incentive_disclosure: str = "We offer a thank-you for your time, whatever you write."


class Deals(_Strict):
    """CRM stage names (compared case-insensitively) that close a deal; any other stage leaves it open."""

    won_stages: list[str] = Field(default_factory=lambda: ["closedwon", "closed won", "won"])
    lost_stages: list[str] = Field(default_factory=lambda: ["closedlost", "closed lost", "lost"])
    withdrawn_stages: list[str] = Field(default_factory=lambda: [
        "withdrawn", "closed - no decision", "closed no decision", "no decision"])


class Intake(_Strict):
    link_valid_days: int = Field(21, ge=1)


class Digest(_Strict):
    monthly: str = "0 9 1 * *"  # crontab (minute hour day month weekday) in `timezone`
    quarterly: str = "0 9 1 1,4,7,10 *"
    stuck_after_days: int = Field(14, ge=1)

    @field_validator("monthly", "quarterly")
    @classmethod
    def _crontab(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError("use a 5-field crontab: minute hour day month weekday, e.g. '0 9 1 * *'")
        return value


class Nudges(_Strict):
    nomination_untouched_days: int = Field(7, ge=1)
    ask_reminder_days: int = Field(5, ge=1)
    ask_expire_days: int = Field(21, ge=1)
    review_pending_days: int = Field(3, ge=1)
    consent_expiring_days: int = Field(30, ge=1)


DEFAULT_TEMPLATE = "Hi {contact}, would you share how {company} achieved {outcome}? {link}"


class ProgramConfig(_Strict):
    """Everything in app.yaml."""

    timezone: str = "UTC"
    public_url: str = "http://localhost:3000"
    channels: dict[str, Channels] = Field(default_factory=dict)
    roles: dict[Role, list[str]] = Field(default_factory=dict)
    permissions: Permissions = Field(default_factory=Permissions)
    win_reaction: str = "trophy"
    scoring: Scoring = Field(default_factory=Scoring)
    fatigue: Fatigue = Field(default_factory=Fatigue)
    ask_templates: dict[AskType, str] = Field(default_factory=dict)
    review_gating: ReviewGating = Field(default_factory=ReviewGating)
    review_sites: dict[ReviewSite, str] = Field(default_factory=dict)  # where star reviews go: {g2: https://…}
    deals: Deals = Field(default_factory=Deals)
    intake: Intake = Field(default_factory=Intake)
    digest: Digest = Field(default_factory=Digest)
    nudges: Nudges = Field(default_factory=Nudges)
    crm_callback_url: str = ""  # advocate status changes are POSTed here (`advocacy-bot export push`)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @field_validator("crm_callback_url", "public_url")
    @classmethod
    def _full_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} has no scheme; use a full URL such as https://{value.split('://')[-1]}")
        return value

    @field_validator("public_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if value.startswith("http://") and urlsplit(value).hostname not in LOCAL_HOSTS:
            raise ValueError(f"{value!r} is not https; customers' links and the chat platforms need "
                             f"https://{value.removeprefix('http://')} (http:// only for a local trial on "
                             "localhost or 127.0.0.1)")
        return value

    @field_validator("review_sites")
    @classmethod
    def _review_site_urls(cls, value: dict[ReviewSite, str]) -> dict[ReviewSite, str]:
        for site, url in value.items():
            if not url.startswith("https://"):
                raise ValueError(f"{site}: use the full address of your review page, starting with https://")
        return value

    @field_validator("channels")
    @classmethod
    def _known_platforms(cls, value: dict[str, Channels]) -> dict[str, Channels]:
        unknown = set(value) - set(PLATFORMS)
        if unknown:
            raise ValueError(f"unknown platform(s) {sorted(unknown)}; use slack and/or teams")
        return value

    @field_validator("ask_templates")
    @classmethod
    def _templates_fill(cls, value: dict[AskType, str]) -> dict[AskType, str]:
        for ask_type, text in value.items():
            try:
                text.format(contact="", company="", outcome="", link="", sender="")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"{ask_type}: unknown placeholder {exc}") from None
            if "{link}" not in text:
                raise ValueError(f"{ask_type}: add {{link}}, where the customer's personal link goes; "
                                 "without it the customer gets no link")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def channel(self, platform: str, purpose: str) -> str:
        """The configured channel for a purpose on a platform, or ""."""
        channels = self.channels.get(platform)
        return getattr(channels, purpose, "") if channels else ""

    def platforms_for(self, purpose: str) -> list[str]:
        """Platforms that have a channel configured for this purpose."""
        return [p for p in PLATFORMS if self.channel(p, purpose)]

    @property
    def platforms(self) -> list[str]:
        """Platforms in use: those with at least one channel configured."""
        return [p for p in PLATFORMS if any(self.channel(p, purpose) for purpose in PURPOSES)]

    def template(self, ask_type: AskType) -> str:
        return self.ask_templates.get(ask_type, DEFAULT_TEMPLATE)


def unworkable_fixes(config: ProgramConfig) -> list[tuple[str, str]]:
    """Settings that load but leave part of the program unable to work: (what is wrong, the fix)."""
    problems = []
    if not config.roles:
        problems.append(("roles: missing", "add a roles block naming who does what (see app.yaml), "
                         "or nobody can approve stories or act on nominations"))
    elif not config.roles.get(Role.MARKETING) and not config.roles.get(Role.ADMIN):
        problems.append(("roles.marketing: nobody holds it, so no story can ever be approved",
                         "add a user id, email or user group"))
    for platform in config.platforms:
        problems += [(f"channels.{platform}.{purpose}: not set, so {posted} have nowhere to go in "
                      f"{platform.capitalize()}", f"set it to {FIND_CHANNEL_ID[platform]}")
                     for purpose, posted in POSTED_TO.items() if not config.channel(platform, purpose)]
    return problems


def unworkable(config: ProgramConfig) -> list[str]:
    """Settings that load but leave part of the program unable to work, each with the fix."""
    return [f"{problem}; {fix}" for problem, fix in unworkable_fixes(config)]


def channel_summary(config: ProgramConfig) -> list[str]:
    """One line a platform: the purposes it has channels for."""
    lines = []
    for platform in PLATFORMS:
        purposes = [p for p in PURPOSES if config.channel(platform, p)]
        lines.append(f"{platform}: channels for {', '.join(purposes)}" if purposes else
                     f"{platform}: no channels set, so the bot posts nothing there")
    return lines


def _problem(error: dict) -> str:
    """'roles.wizards: not a known key (…)' from a pydantic error."""
    loc = [str(part) for part in error["loc"]]
    message = error["msg"]
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        message = f"not a known key ({message})"
    return f"{'.'.join(loc) or '(top level)'}: {message}"


def parse_config(data: object, source: str = "app.yaml") -> ProgramConfig:
    """Validate parsed YAML; errors name the key path and what is wrong."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of settings")
    try:
        config = ProgramConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None
    problems = [f"channels.{platform}.{purpose}: {problem}" for platform, check in CHANNEL_PROBLEMS.items()
                for purpose in PURPOSES if (problem := check(config.channel(platform, purpose)))]
    if problems:
        raise ConfigError(f"{source}: {'; '.join(problems)}")
    return config


def load_config(path: str | Path) -> ProgramConfig:
    """Read and validate app.yaml."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (looked for {path.absolute()}); run the command in the folder "
                          "that holds app.yaml, or set ADVOCACY_CONFIG to its path") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return parse_config(data, str(path))
