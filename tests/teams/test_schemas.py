"""What the bot sends Teams, checked by Microsoft's own tools: every card and dialog by the Adaptive Cards
library (the parser and validator Teams clients share), the app manifest by the published v1.17 schema."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from PIL import Image as PILImage

from bot.teams import render
from bot.teams.package import AppInfo, manifest
from workflows import interactions
from workflows.config import parse_config
from workflows.effects import Button, Card, Fact, Image

VALIDATORS = Path(__file__).parent / "validators"
MODULES = VALIDATORS / "node_modules"


@pytest.fixture(scope="module")
def validators() -> Path:
    if not (shutil.which("node") and MODULES.is_dir()):
        if os.environ.get("CI"):
            pytest.fail("run `npm ci --prefix tests/teams/validators` (see .ci/run)")
        pytest.skip("Node.js or tests/teams/validators/node_modules missing: npm ci --prefix tests/teams/validators")
    return VALIDATORS


def card_problems(validators: Path, cards: list[dict]) -> list[list[str]]:
    """The Adaptive Cards library's parse and validation messages, one list per card."""
    done = subprocess.run(["node", str(validators / "validate_cards.js")], input=json.dumps(cards),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _chart() -> str:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 20), "white").save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def _every_card() -> dict[str, dict]:
    full = Card(title="Win at Acme", body=["Saved 4 hours a week", "Second paragraph"],
                facts=[Fact("Owner", "Dana"), Fact("Score", "7.5")],
                buttons=[Button("Approve", "review.approve", "7", "primary"),
                         Button("Reject", "review.reject", "7", "danger"),
                         Button("Snooze", "nomination.snooze", "3"),
                         Button("Read", "", "", url="https://example.com/story")],
                note="Approved by Lee", more_url="https://example.com/full",
                image=Image(png_base64=_chart(), alt="Funnel"))
    cards = {"card": render.fitted(full), "notice": render.notice("Done", "It is recorded."),
             "help": render.help_card("19:abc@thread.tacv2", problem="Unknown command")}
    for name, entry in interactions.INTERACTIONS.items():
        if entry.submit:
            form = interactions.blank_form(name, item="1")
            cards[f"dialog {name}"] = render.form_card(form, {})
            cards[f"on card {name}"] = render.form_card(form, {}, problem="Pick one", on_card=True)
    return cards


def test_every_card_and_dialog_parses_cleanly_in_the_adaptive_cards_library(validators):
    cards = _every_card()
    assert len(cards) > 10
    problems = card_problems(validators, list(cards.values()))
    found = {name: issues for name, issues in zip(cards, problems) if issues}
    assert found == {}


def test_the_validator_reports_what_teams_would_refuse(validators):
    broken = render.adaptive([{"type": "Input.ChoiceSet", "id": "kind", "choices": []},
                              {"type": "Input.Text", "id": "kind"}, {"type": "Nope"}])
    [issues] = card_problems(validators, [broken])
    assert any("Duplicate Id" in i for i in issues) and any("Nope" in i for i in issues)


def test_the_app_manifest_follows_the_published_schema(validators):
    schema_file = MODULES / "@microsoft/app-manifest/build/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8-sig"))
    config = parse_config({"public_url": "https://advocacy.example.com"})
    content = manifest(config, AppInfo(app_id="6f1c0c2e-8d3b-4b52-9a55-3c3a2b1d0e7f"))
    jsonschema.validate(content, schema, cls=jsonschema.Draft4Validator)
    content["bots"][0]["scopes"] = ["everywhere"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(content, schema, cls=jsonschema.Draft4Validator)
