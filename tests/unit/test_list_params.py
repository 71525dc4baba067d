"""The published lists' params: one rule (verify/params.py) for the projections that build
the lists, the verifier that recomputes them and the settings that configure them.

docs/FORMAT.md §8, "Params": "A param's value is a JSON integer (`true` is not one) from its
minimum to its maximum, both included; a list takes no other params"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.settings import ConfigError, load_settings
from projections.registry import PROJECTIONS
from verify.lists import Lists
from verify.params import DEFAULTS, PARAMS, ParamError, check_params
from verify.published import _header_problem

PROJECTION = {kind.name: kind for kind in PROJECTIONS}
ENV = {"posting_window_days": "GONGSHI_POSTING_WINDOW_DAYS"}
CASES = [
    (name, key, value)
    for name, params in PARAMS.items()
    for key, param in params.items()
    for value in (param.minimum - 1, param.minimum, param.default, param.maximum,
                  param.maximum + 1, True, "7", None)
]  # fmt: skip


def accepted(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ValueError:
        return False
    return True


def test_every_list_has_a_projection_and_the_same_params_on_both_sides() -> None:
    assert sorted(PROJECTION) == sorted(PARAMS)
    for name, kind in PROJECTION.items():
        assert kind(lambda _: None).params == DEFAULTS[name] == check_params(name)


@pytest.mark.parametrize(("name", "key", "value"), CASES, ids=lambda v: repr(v))
def test_projection_verifier_and_published_header_agree_on_a_param_value(
    name: str, key: str, value: Any
) -> None:
    """FORMAT.md §8: "A param's value is a JSON integer (`true` is not one) from its minimum
    to its maximum, both included"."""
    param = PARAMS[name][key]
    expected = type(value) is int and param.minimum <= value <= param.maximum
    params = {key: value}
    assert accepted(lambda: check_params(name, params)) is expected
    assert accepted(lambda: PROJECTION[name](lambda _: None, params)) is expected
    assert accepted(lambda: Lists().rows(name, params)) is expected
    assert (_header_problem(name, params, 0, 0) is None) is expected
    if type(value) is int and key in ENV:
        assert accepted(lambda: load_settings({ENV[key]: str(value)})) is expected


def test_posting_window_of_zero_days_is_refused_by_the_projection_and_the_verifier() -> None:
    """FORMAT.md §8: `posting_window_days` is "from 1 to 100000 (default 30)"."""
    with pytest.raises(ParamError) as refused:
        PROJECTION["disbursements"](lambda _: None, {"posting_window_days": 0})
    assert (refused.value.where, refused.value.computed) == (
        "disbursements posting_window_days",
        "0",
    )
    with pytest.raises(ParamError):
        Lists().rows("disbursements", {"posting_window_days": 0})
    with pytest.raises(ConfigError, match="GONGSHI_POSTING_WINDOW_DAYS"):
        load_settings({"GONGSHI_POSTING_WINDOW_DAYS": "0"})
    assert "from 1 to 100000" in str(
        _header_problem("disbursements", {"posting_window_days": 0}, 0, 0)
    )


def test_unknown_param_is_refused_on_both_sides() -> None:
    """FORMAT.md §8: "a list takes no other params"."""
    with pytest.raises(ParamError, match="luck"):
        PROJECTION["points"](lambda _: None, {"luck": 1})
    with pytest.raises(ParamError, match="luck"):
        Lists().rows("points", {"luck": 1})


def test_a_published_header_names_every_param() -> None:
    """FORMAT.md §8: the header's `params` holds "every param of the list, defaults
    included"."""
    assert _header_problem("disbursements", {}, 0, 0) is not None
    assert _header_problem("disbursements", {"posting_window_days": 30}, 0, 0) is None
    assert _header_problem("points", {}, 0, 0) is None  # excellence is the close's, no param
    assert _header_problem("points", {"excellence_per_category": 3}, 0, 0) is not None
    assert _header_problem("fund-ledger", {}, 0, 0) is None


def test_settings_defaults_are_the_lists_defaults() -> None:
    settings = load_settings({})
    assert settings.posting_window_days == DEFAULTS["disbursements"]["posting_window_days"]
    assert DEFAULTS["points"] == {}
