"""The committed AsyncAPI documents list every channel each service publishes and consumes."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from kontakt.system import SERVICES
from services.chassis.runtime import asyncapi

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


def _channels(doc: dict) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    """(channel, topic, send|receive) of every operation: what a reader of the document learns."""
    channels = doc["channels"]
    return {(op["channel"]["$ref"].rsplit("/", 1)[-1],
             channels[op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"], op["action"])
            for op in doc["operations"].values()}


@pytest.mark.parametrize("service", list(SERVICES))
def test_committed_asyncapi_document_matches_the_service(service: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTAKT_DATA_DIR", str(tmp_path))  # building a service touches its database file
    path = DOCS / f"{service}.json"
    assert path.exists(), "run `kontakt contracts asyncapi` and commit docs/asyncapi/"
    fresh = asyncapi(importlib.import_module(f"services.{service}.app").spec()).to_specification().to_jsonable()
    committed = json.loads(path.read_text())
    assert _channels(committed) == _channels(fresh), "regenerate with `kontakt contracts asyncapi`"
    assert committed["asyncapi"] == "3.0.0"


def test_each_service_document_publishes_exactly_the_topics_it_owns() -> None:
    from contracts.registry import TOPIC_OWNERS

    for service in SERVICES:
        doc = json.loads((DOCS / f"{service}.json").read_text())
        sent = {topic for _, topic, action in _channels(doc) if action == "send"}
        assert sent == {t for t, owner in TOPIC_OWNERS.items() if owner == service}, service
