"""The projections' settings: the posting window from the environment (excellence is the
closed year's top set, not a setting: GONGSHI_EXCELLENCE_PER_CATEGORY is gone)."""

from __future__ import annotations

import pytest

from ledger.settings import ConfigError, load_settings


def test_defaults_and_overrides() -> None:
    assert load_settings({}).posting_window_days == 30
    env = {"GONGSHI_POSTING_WINDOW_DAYS": "7", "GONGSHI_EXCELLENCE_PER_CATEGORY": "0"}
    loaded = load_settings(env)
    assert loaded.posting_window_days == 7
    assert not hasattr(loaded, "excellence_per_category")  # the old variable is ignored


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GONGSHI_POSTING_WINDOW_DAYS", "0"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "-1"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "30.5"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "thirty"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
