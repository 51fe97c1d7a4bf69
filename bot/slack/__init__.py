"""Slack surface: Bolt listeners, Block Kit rendering and the outbox sender."""
