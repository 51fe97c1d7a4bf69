"""The processes the acknowledgement benchmarks talk to, each started as `python bench/apps.py ROLE ...`.

    slack-emulator              the Slack Web API emulator; prints its URL, stops when stdin closes
    teams-connector             the Bot Connector emulator; prints its service URL, stops when stdin closes
    bare-bolt PORT API_URL      the Slack floor: a Bolt AsyncApp under uvicorn that only acknowledges
                                (and opens an empty modal for /win), with GET /healthz
    echo-agents PORT            the Teams floor: an Agents SDK AgentApplication under uvicorn answering
                                every invoke with an echo, with GET /healthz

The bot itself runs as `python -m bot serve`. A role imports only what it serves, so the floors'
start-up time and memory are their own.
"""

import sys
from pathlib import Path

SLACK_SECRET, SLACK_TOKEN = "bench-signing-secret", "xoxb-bench"
SLACK_USER = "U0SUCCESS"
TEAMS_USER = {"id": "29:1sam", "name": "Sam Success", "aadObjectId": "a1b2c3d4-0000-4000-8000-00000000005a"}
WIN_CALLBACK, ACCOUNT_ACTION = "win", "account"  # bot.slack.modals.WIN and .ACCOUNT


def _emulator(start) -> None:
    emulator = start()
    print(emulator, flush=True)
    sys.stdin.read()


def slack_emulator() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.emulators.slack_api import SlackEmulator

    emu = SlackEmulator().start()
    emu.add_user(SLACK_USER, email="sam@example.com", real_name="Sam Success")
    return emu.root_url


def teams_connector() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.emulators.teams_activities import TENANT_ID
    from tests.emulators.teams_connector import FakeBotConnector

    connector = FakeBotConnector().start()
    connector.add_user(TEAMS_USER["id"], TEAMS_USER["name"], TEAMS_USER["aadObjectId"], email="sam@example.com",
                       tenant_id=TENANT_ID)
    return connector.service_url


def bare_bolt(api_url: str):
    """Bolt with a listener per request kind that only acknowledges; /win also opens an empty modal."""
    from fastapi import FastAPI, Request
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=SLACK_TOKEN, base_url=api_url), signing_secret=SLACK_SECRET)
    empty = {"type": "modal", "title": {"type": "plain_text", "text": "Flag a win"}, "blocks": []}

    async def only_ack(ack):
        await ack()

    async def open_empty(ack, body, client):
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=empty)

    async def no_options(ack):
        await ack(options=[])

    async def noop():
        pass

    bolt.command("/advocacy")(only_ack)
    bolt.command("/win")(open_empty)
    bolt.action({"action_id": "nomination.dismiss"})(only_ack)
    bolt.view(WIN_CALLBACK)(only_ack)
    bolt.options(ACCOUNT_ACTION)(no_options)
    bolt.event("reaction_added")(noop)
    bolt.event("app_home_opened")(noop)
    handler = AsyncSlackRequestHandler(bolt)
    web = FastAPI()

    @web.post("/slack/events")
    async def events(request: Request):
        return await handler.handle(request)

    @web.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    return web


def echo_agents():
    """AgentApplication (anonymous, as the bot runs locally) answering every invoke with an echo."""
    from fastapi import FastAPI, Request
    from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
    from microsoft_agents.hosting.core import (AgentApplication, AgentAuthConfiguration, AnonymousTokenProvider,
                                               ConnectionManager, MemoryStorage, TurnContext, TurnState)
    from microsoft_agents.hosting.fastapi import CloudAdapter, start_agent_process

    config = AgentAuthConfiguration(anonymous_allowed=True)
    connections = ConnectionManager(lambda _config: AnonymousTokenProvider(),
                                    connections_configurations={"SERVICE_CONNECTION": config})
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](storage=MemoryStorage(), adapter=adapter, connection_manager=connections)

    @agent.invoke()
    async def echo(context: TurnContext, _state: TurnState):
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                "value": f"echo {context.activity.name} {sorted(value)}"}
        await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                             value=InvokeResponse(status=200, body=body)))

    web = FastAPI()
    web.state.agent_configuration = config

    @web.post("/api/messages")
    async def messages(request: Request):
        return await start_agent_process(request, agent, adapter)

    @web.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    return web


def main(role: str, *args: str) -> None:
    if role == "slack-emulator":
        return _emulator(slack_emulator)
    if role == "teams-connector":
        return _emulator(teams_connector)
    import uvicorn

    app = bare_bolt(args[1]) if role == "bare-bolt" else echo_agents()
    uvicorn.run(app, host="127.0.0.1", port=int(args[0]), log_level="warning")


if __name__ == "__main__":
    main(*sys.argv[1:])
