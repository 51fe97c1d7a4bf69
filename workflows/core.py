"""The workflow core: configuration, store and clock, and the unit of work every command runs in."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy.engine import Engine

from storage.db import transaction
from storage.repo import Repo
from workflows.config import ProgramConfig
from workflows.effects import Effect, person_platforms
from workflows.links import LinkSigner
from workflows.scoring import Scorer, WeightedScorer

if TYPE_CHECKING:
    from workflows.digest import ChartMaker


def system_clock() -> datetime:
    return datetime.now(UTC)


class Core:
    """What every command needs: config, the database, the time, the link signer and the digest chart."""

    def __init__(self, engine: Engine, config: ProgramConfig, secret: str,
                 clock: Callable[[], datetime] = system_clock, scorer: Scorer | None = None,
                 chart: ChartMaker | None = None):
        self.engine = engine
        self.chart = chart
        self.config = config
        self.clock = clock
        self.links = LinkSigner(secret, config.public_url, config.intake.link_valid_days)
        self.scorer = scorer or WeightedScorer(config)

    def now(self) -> datetime:
        return self.clock()

    @property
    def platforms(self) -> list[str]:
        """Platforms with at least one channel configured."""
        return self.config.platforms

    @contextmanager
    def unit(self, read_only: bool = False) -> Iterator[Unit]:
        """One transaction: state changes, audit rows and outbox rows commit together or not at all."""
        with transaction(self.engine, read_only=read_only) as session:
            yield Unit(Repo(session), self)


class Unit:
    """A transaction in progress, with a way to emit chat effects into the outbox."""

    def __init__(self, repo: Repo, core: Core):
        self.repo = repo
        self.core = core
        self.now = core.now()
        self.emitted: list[tuple[str, str, Effect]] = []

    def emit(self, effect: Effect) -> None:
        """Write the effect to the outbox, once per platform that can show it."""
        config = self.core.config
        if effect.op == "dm":
            targets = [(p, f"{p}:dm:{effect.person}") for p in person_platforms(effect.person, self.core.platforms)]
        else:
            targets = [(p, f"{p}:{config.channel(p, effect.purpose)}") for p in config.platforms_for(effect.purpose)]
        for platform, lane in targets:
            payload = effect.to_dict()
            payload["channel"] = config.channel(platform, effect.purpose) if effect.op != "dm" else ""
            self.repo.enqueue(platform, lane, payload, self.now)
            self.emitted.append((platform, lane, effect))

    def audit(self, entity: str, entity_id: int, action: str, actor: str,
              from_state: str = "", to_state: str = "", **detail) -> None:
        self.repo.audit(entity, entity_id, action, actor, self.now, from_state, to_state, **detail)
