"""Domain errors: each carries a message meant for the person who acted."""


class DomainError(Exception):
    """A command could not apply; `message` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Bad input; `field` names the form field at fault, when there is one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class NotAllowed(DomainError):
    """The person lacks the role or ownership this action needs."""


class NotFound(DomainError):
    """The item does not exist (any more)."""


class Conflict(DomainError):
    """The item is no longer in the state the action expects (someone else acted first)."""


class AlreadyDone(Conflict):
    """The same request was handled before (a repeated submission or delivery): nothing more to do."""
