"""Chat and web shells around the workflow core: Slack, Teams, intake pages, webhooks, scheduler."""
