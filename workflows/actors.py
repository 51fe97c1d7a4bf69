"""People acting on the bot and the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.config import ProgramConfig
from workflows.errors import NotAllowed
from workflows.states import Role


@dataclass(frozen=True)
class Actor:
    """Someone acting through a chat platform, the CLI or the intake page."""

    platform: str
    user_id: str = ""
    email: str = ""
    name: str = ""
    groups: tuple[str, ...] = field(default=())  # Slack user group handles, e.g. "@marketing"

    @property
    def key(self) -> str:
        """What is stored as "who": the platform user id, else the email."""
        return self.user_id or self.email.lower()

    @property
    def display(self) -> str:
        return self.name or self.email or self.user_id or "someone"

    def record_keys(self) -> set[str]:
        """The values that stand for this person in stored records (owner, flagged_by)."""
        return {k for k in (self.user_id, self.email.lower()) if k}

    def identities(self) -> set[str]:
        """Every lower-cased identifier that may name this person in app.yaml or on a record."""
        ids = {self.user_id.lower(), self.email.lower(), *(g.lower() for g in self.groups)}
        return {i for i in ids if i}


def roles_of(actor: Actor, config: ProgramConfig) -> set[Role]:
    """Roles granted to the actor by app.yaml; admin implies every role."""
    ids = actor.identities()
    held = {role for role, members in config.roles.items() if ids & {m.lower() for m in members}}
    if Role.ADMIN in held:
        held |= set(Role)
    return held


def require_role(actor: Actor, config: ProgramConfig, *roles: Role, doing: str) -> None:
    """Raise NotAllowed unless the actor holds one of the roles."""
    if not roles_of(actor, config) & set(roles):
        names = " or ".join(r.value for r in roles)
        raise NotAllowed(f"Only people with the {names} role can {doing}. Ask an admin to add you in app.yaml.")


def is_owner(actor: Actor, owner: str) -> bool:
    return bool(owner) and owner.lower() in actor.identities()


SYSTEM = Actor(platform="system", user_id="system", name="Advocacy bot")
