"""Fixtures of the knowledge-base tests: the demo articles (the dataset's kb.json,
shipped as kb/fixtures/demo_kb.json) loaded through the import service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb.services import articles

DEMO = Path(__file__).resolve().parents[2] / "kb" / "fixtures" / "demo_kb.json"


@pytest.fixture
def demo_items() -> list[dict[str, Any]]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture
def demo_kb(db, demo_items) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    articles.articles_import(items=demo_items)
    return demo_items
