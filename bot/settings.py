"""Secrets and deployment settings, from the environment only."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment variables; secrets are SecretStr so they never print in logs or errors."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///./advocacy.db"
    advocacy_config: str = "app.yaml"
    advocacy_secret: SecretStr = SecretStr("")  # signs customer links; required outside local use
    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")
    slack_api_url: str = "https://slack.com/api/"
    teams_app_id: str = ""
    teams_app_password: SecretStr = SecretStr("")
    teams_tenant_id: str = ""
    teams_login_url: str = "https://login.microsoftonline.com/"  # Microsoft Entra ID, where app tokens come from
    webhook_secret: SecretStr = SecretStr("")
    metrics_token: SecretStr = SecretStr("")  # lets a remote scraper read /metrics and /healthz detail
    log_level: str = "INFO"
    scheduler: bool = True  # run the digest and nudge schedule in this process
    outbox_poll_seconds: float = 1.0
    outbox_lease_seconds: float = 60.0  # a crashed worker's messages are picked up again after this

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token.get_secret_value() and
                    (self.slack_signing_secret.get_secret_value() or self.slack_app_token.get_secret_value()))

    def link_secret(self) -> str:
        """The link-signing secret; a fixed local one when unset, which `serve` warns about."""
        return self.advocacy_secret.get_secret_value() or "local-development-only"

    def secrets(self) -> list[str]:
        """Every secret value set, for the log redactor."""
        values = [self.advocacy_secret, self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                  self.teams_app_password, self.webhook_secret, self.metrics_token]
        return [v.get_secret_value() for v in values if v.get_secret_value()]
