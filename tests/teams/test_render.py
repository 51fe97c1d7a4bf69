"""Adaptive Card rendering: inert user text, Execute buttons with fallbacks, forms, and chart size limits."""

from __future__ import annotations

import base64
import io
import json
import random

from PIL import Image as PILImage

from bot.teams import render
from workflows.effects import Button, Card, Fact, Image


def test_plain_breaks_mention_tags_and_drops_control_characters():
    assert render.plain("hi <at>All</at> < AT >x</ At>") == "hi <\u200bat>All<\u200b/at> <\u200b AT >x<\u200b/ At>"
    assert render.plain("a\x00b\x1bc\nd\te") == "abc\nd\te"
    assert render.plain("a <b> & 2 < 3 attachment <atom>") == "a <b> & 2 < 3 attachment <atom>"


def test_card_puts_every_user_text_in_plain_runs():
    card = render.card(Card(title="**Win** at <at>Acme</at>", body=["_x_ [l](https://e.test)"],
                            facts=[Fact("Who", "<at>Bo</at>")], note="by **me**"))
    raw = json.dumps(card)
    assert '"type": "TextBlock"' not in raw and "<at>" not in raw
    runs = [i for block in card["body"] for i in block["inlines"]]
    assert all(run["type"] == "TextRun" for run in runs)
    assert [r["text"] for r in runs] == ["**Win** at <\u200bat>Acme<\u200b/at>", "_x_ [l](https://e.test)",
                                         "Who: ", "<\u200bat>Bo<\u200b/at>", "by **me**"]
    assert (card["version"], card["type"]) == ("1.5", "AdaptiveCard")


def test_buttons_are_execute_with_submit_fallback_or_open_their_form_in_a_dialog():
    card = render.card(Card(title="t", buttons=[
        Button("Approve", "review.approve", "7", "primary"), Button("Reject", "review.reject", "7", "danger"),
        Button("Ask", "nomination.ask", "3"), Button("Read", "", "", url="https://example.com/x"),
        Button("Bad", "", "", url="javascript:alert(1)")]))
    approve, reject, ask, read = card["actions"]
    assert approve == {"type": "Action.Execute", "title": "Approve", "verb": "review.approve", "data": {"id": "7"},
                       "style": "positive", "fallback": {"type": "Action.Submit", "title": "Approve",
                                                         "data": {"id": "7", "verb": "review.approve"},
                                                         "style": "positive"}}
    assert reject["data"] == {"id": "7", "verb": "review.reject", "msteams": {"type": "task/fetch"}}
    assert reject["style"] == "destructive"  # its optional reason opens in a dialog
    assert ask["data"] == {"id": "3", "verb": "nomination.ask", "msteams": {"type": "task/fetch"}}
    assert read == {"type": "Action.OpenUrl", "title": "Read", "url": "https://example.com/x"}


def _png(width: int, height: int, kind: str) -> str:
    image = PILImage.new("RGB", (width, height), "white")
    if kind == "gradient":  # compresses like a chart once reduced to a few colours
        image.putdata([(x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height))
                       for y in range(height) for x in range(width)])
    elif kind == "noise":  # never fits
        rng = random.Random(1)
        image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(width * height)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_chart_goes_in_as_an_image_with_alt_text():
    small = _png(40, 20, "plain")
    card = render.fitted(Card(title="Digest", image=Image(small, "Wins rose from 3 to 5")))
    [_, image] = card["body"]
    assert image == {"type": "Image", "url": f"data:image/png;base64,{small}", "altText": "Wins rose from 3 to 5",
                     "size": "Stretch"}


def test_oversized_chart_is_shrunk_to_fit_teams():
    big = _png(1200, 800, "gradient")
    assert len(big) > render.MAX_CARD_BYTES
    card = render.fitted(Card(title="Digest", image=Image(big, "NPS trend")))
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    assert image["altText"] == "NPS trend"
    assert len(json.dumps(card)) <= render.MAX_CARD_BYTES
    assert PILImage.open(io.BytesIO(base64.b64decode(image["url"].split(",", 1)[1]))).width == 480


def test_chart_that_cannot_fit_is_left_out_and_described():
    card = render.fitted(Card(title="Digest", image=Image(_png(400, 300, "noise"), "NPS trend")))
    assert not [e for e in card["body"] if e["type"] == "Image"]
    assert "Chart not shown (too large for Teams): NPS trend" in json.dumps(card)
