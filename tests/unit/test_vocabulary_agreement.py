"""The engine keeps its own copy of the vocabulary (it imports nothing of ours); it must agree."""

from __future__ import annotations

import pytest

from matching import rules
from registry.inventory import vocabulary


@pytest.mark.parametrize("name", ["Kind", "Status", "Sensitivity", "Sector", "Resource"])
def test_the_engine_and_the_registry_use_the_same_words(name):
    assert {e.value for e in getattr(rules, name)} == {e.value for e in getattr(vocabulary, name)}


def test_the_engine_knows_every_pole_use_the_registry_accepts():
    registry_uses = set(vocabulary.ATTRIBUTES_BY_KIND[vocabulary.Kind.POLE]["use"].choices)
    assert registry_uses == {e.value for e in rules.PoleUse}
