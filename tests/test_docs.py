"""Docs the tests keep honest: generated files are current; every setting, role and action is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from citysteward.cases.domain.model import Action
from citysteward.config import Settings
from citysteward.docsgen import generated
from citysteward.kernel.actor import Role

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current() -> None:
    for path, text in generated().items():
        assert path.exists(), f"{path} missing: run make docs"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run make docs"


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(Settings):
        if f.name in ("max_photo_pixels", "max_photos_per_report"):
            continue
        assert f"CITYSTEWARD_{f.name.upper()}" in readme, f"setting {f.name} is not documented in README.md"


def test_every_role_and_action_is_documented() -> None:
    text = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    for item in [*Role, *Action]:
        assert f"`{item.value}`" in text and item.label in text


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
