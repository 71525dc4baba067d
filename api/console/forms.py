"""One form per write route, built from the app itself: the routes with a role dependency
(``api.auth.acting_as`` stores ``check.roles``), their path parameters and their body model's
JSON schema. Submitting a form sends the same route (``api.console.dispatch``), so the
validation, the rules, the idempotency and the problem answers are the API's own; the console
only hides the forms the caller's role can't use.

Fields: a string, a date, a UUID, an integer or a boolean per schema property (an enum is a
choice, a nested object's properties are fields ``parent.child``); a list of strings is one
per line; anything else (a list of objects, a map) is JSON in a text box. Points
(``…_tenths``, the API's tenths of a point) are typed as points with at most one decimal,
like the spreadsheets' 分值 ("3.5" is sent as 35), and amounts (``…_fen``) in yuan with at
most two ("500.5" is sent as 50050); more decimals are refused on the form with a Chinese
message, nothing sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.console.wording import field_label, form_title
from ledger.carefund.config import Hardship, Industry, Source
from ledger.points.config import POINTS_PATTERN, parse_points
from ledger.supervision.case import Reason, TargetKind

SKIPPED = ("/api/v1/imports",)  # raw-body uploads: the console's import page
INTEGER = re.compile(r"^-?[0-9]{1,18}$")
YUAN = re.compile(r"^([0-9]{1,10})(?:\.([0-9]{1,2}))?$")
# text fields whose values the domain takes from a vocabulary: a choice on the form (a case's
# reason without bottom_ranking: the year-end close opens those, a manual one is refused)
VOCABULARIES = {
    "/api/v1/carefund/applications": {
        "industry": tuple(i.value for i in Industry),
        "hardship": tuple(h.value for h in Hardship),
    },
    "/api/v1/carefund/years/{year}/contributions": {"source": tuple(s.value for s in Source)},
    "/api/v1/supervision/cases": {
        "reason": tuple(r.value for r in Reason if r is not Reason.BOTTOM_RANKING),
        "target_kind": tuple(k.value for k in TargetKind),
    },
}
ALTERNATIVES = re.compile(r"^\^\(([a-z0-9_]+(?:\|[a-z0-9_]+)+)\)\$$")  # ^(a|b|c)$: a choice


@dataclass(frozen=True)
class Field:
    name: str  # the path parameter, or the body member (``a.b`` inside an object)
    label: str
    kind: str  # text, textarea, integer, points, yuan, boolean, date, choice, lines, json
    required: bool
    in_path: bool = False
    choices: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Form:
    key: str  # the route's path without /api/v1/, dots for slashes, braces dropped
    path: str  # the route's path template
    title: str
    summary: str
    roles: tuple[str, ...]
    fields: tuple[Field, ...]

    def url(self, values: Mapping[str, str]) -> str:
        """The route's path with the path fields' values (quoted)."""
        return re.sub(r"\{(\w+)\}", lambda m: quote(values.get(m[1], ""), safe=""), self.path)

    def may(self, role: str) -> bool:
        return role in self.roles


def route_roles(route: APIRoute) -> tuple[str, ...]:
    """The roles a write route declares (its ``acting_as`` dependency), or () if none."""
    for dependency in route.dependant.dependencies:
        roles = getattr(dependency.call, "roles", None)
        if roles:
            return tuple(str(getattr(r, "value", r)) for r in roles)
    return ()


def _flat(routes: list[Any]) -> list[Any]:
    found: list[Any] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        found += _flat(included.routes) if included is not None else [route]
    return found


def write_forms(app: FastAPI) -> list[Form]:
    """A form for every write route of ``app`` with declared roles (cached on the app)."""
    cached: list[Form] | None = getattr(app.state, "console_forms", None)
    if cached is None:
        cached = [
            _form(route) for route in _flat(app.routes)
            if isinstance(route, APIRoute) and "POST" in (route.methods or ())
            and route.path.startswith("/api/") and not route.path.startswith(SKIPPED)
            and route_roles(route)
        ]  # fmt: skip
        app.state.console_forms = cached
    return cached


def forms_for(app: FastAPI, role: str) -> list[Form]:
    return [form for form in write_forms(app) if form.may(role)]


def form_named(app: FastAPI, key: str) -> Form | None:
    return next((form for form in write_forms(app) if form.key == key), None)


def _form(route: APIRoute) -> Form:
    key = re.sub(r"[{}]", "", route.path.removeprefix("/api/v1/")).replace("/", ".")
    fields = [
        Field(p.name, field_label(p.name), "text", True, in_path=True)
        for p in route.dependant.path_params
    ]
    if route.body_field is not None:
        model = route.body_field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            schema = model.model_json_schema()
            fields += _fields(schema, schema.get("$defs", {}), "", True)
    known = VOCABULARIES.get(route.path, {})
    fields = [
        replace(f, kind="choice", choices=known[f.name]) if f.name in known else f for f in fields
    ]
    summary = route.summary or ""
    return Form(key, route.path, form_title(route.path, summary), summary, route_roles(route),
                tuple(fields))  # fmt: skip


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return _resolve(defs[ref.rsplit("/", 1)[-1]], defs) if ref else schema


def _fields(
    schema: dict[str, Any], defs: dict[str, Any], prefix: str, required: bool
) -> list[Field]:
    found = []
    needed = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        full = prefix + name
        prop = _resolve(prop, defs)
        options = [_resolve(p, defs) for p in prop.get("anyOf", [prop])]
        kinds = [p for p in options if p.get("type") != "null"]
        inner = kinds[0] if len(kinds) == 1 else {}
        must = required and name in needed
        if inner.get("type") == "object" and "properties" in inner:
            found += _fields(inner, defs, full + ".", must)
        else:
            found.append(_field(full, inner, must))
    return found


def _field(name: str, prop: dict[str, Any], required: bool) -> Field:
    choices: tuple[str, ...] = ()
    kind, hint = "text", str(prop.get("description", ""))
    match prop.get("type"), prop.get("format"):
        case "integer", _ if name.endswith("_tenths"):
            kind, hint = "points", "分，最多一位小数，如 3.5"
        case "integer", _ if name.endswith("_fen"):
            kind, hint = "yuan", "元，最多两位小数，如 500 或 1234.50"
        case "integer", _:
            kind = "integer"
        case "boolean", _:
            kind = "boolean"
        case "string", "date":
            kind = "date"
        case "string", _ if "enum" in prop:
            kind, choices = "choice", tuple(str(v) for v in prop["enum"])
        case "string", _ if ALTERNATIVES.match(str(prop.get("pattern", ""))):
            kind = "choice"
            choices = tuple(ALTERNATIVES.match(prop["pattern"])[1].split("|"))  # type: ignore[index]
        case "string", _ if prop.get("maxLength", 0) > 100:
            kind = "textarea"
        case "string", _:
            kind = "text"
        case "array", _ if prop.get("items", {}).get("type") == "string":
            kind, hint = "lines", hint or "每行一项"
        case _:
            kind, hint = "json", hint or "JSON"
    return Field(name, field_label(name), kind, required, choices=choices, hint=hint)


class FormInvalid(ValueError):
    """Form fields the console refuses before sending anything: (label, message) each."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{label}: {message}" for label, message in errors))
        self.errors = errors


def _value(field: Field, text: str) -> Any:
    """A form's text as the JSON value the route expects; text the route will refuse is
    passed as it is (the API's 422 then names the field). Points: ValueError with the
    Chinese message unless a number with at most one decimal."""
    if field.kind == "points":
        if not POINTS_PATTERN.fullmatch(text.strip()):
            raise ValueError(f"分值须为最多一位小数的数字（如 3.5），而不是“{text}”")
        return parse_points(text.strip())
    if field.kind == "yuan":
        found = YUAN.fullmatch(text.strip().replace(",", ""))
        if found is None:
            raise ValueError(
                f"金额须为以元计、最多两位小数的数字（如 500 或 1234.50），而不是“{text}”"
            )
        return int(found[1]) * 100 + int((found[2] or "").ljust(2, "0"))
    if field.kind == "integer" and INTEGER.fullmatch(text.strip()):
        return int(text.strip())
    if field.kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if field.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if field.kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def request_of(form: Form, values: Mapping[str, str]) -> tuple[str, dict[str, Any] | None]:
    """The route's URL and JSON body for a submitted form's ``values``; an empty field is
    left out (the route's default, or its "field required"). FormInvalid names every field
    refused here."""
    body: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    has_body = any(not f.in_path for f in form.fields)
    for field in form.fields:
        text = values.get(field.name, "")
        if field.in_path or text == "":
            continue
        place = body
        *parents, last = field.name.split(".")
        for parent in parents:
            place = place.setdefault(parent, {})
        try:
            place[last] = _value(field, text)
        except ValueError as e:
            errors.append((field.label, str(e)))
    if errors:
        raise FormInvalid(errors)
    return form.url(values), body if has_body else None
