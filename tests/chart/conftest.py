"""Fixtures: each value combination of chartlib.SCENARIOS is rendered once."""

from __future__ import annotations

from typing import Any

import pytest

from chartlib import SCENARIOS, objects, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {name: objects(render(values)) for name, values in SCENARIOS.items()}


@pytest.fixture(scope="session")
def default_objs(rendered: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return rendered["default"]
