"""The projections' settings: posting window and excellence count from the environment."""

from __future__ import annotations

import pytest

from ledger.settings import ConfigError, load_settings


def test_defaults_and_overrides() -> None:
    assert load_settings({}).posting_window_days == 30
    assert load_settings({}).excellence_per_category == 3
    env = {"GONGSHI_POSTING_WINDOW_DAYS": "7", "GONGSHI_EXCELLENCE_PER_CATEGORY": "0"}
    loaded = load_settings(env)
    assert (loaded.posting_window_days, loaded.excellence_per_category) == (7, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GONGSHI_POSTING_WINDOW_DAYS", "0"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "-1"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "30.5"),
        ("GONGSHI_POSTING_WINDOW_DAYS", "thirty"),
        ("GONGSHI_EXCELLENCE_PER_CATEGORY", "-3"),
        ("GONGSHI_EXCELLENCE_PER_CATEGORY", "1000001"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
