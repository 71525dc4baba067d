"""The clerks' console at /console/ (办事台): server-rendered Chinese pages, no JavaScript.
Sign in with a bearer token; 待办 per role; one page per application, case, points book and
project with its history; a form for every write route the role may use, sent to that route
in-process; every write's receipt. See the modules for each part."""

from __future__ import annotations

from fastapi import APIRouter

from api.console import imports, postings, signin, views, writes

router = APIRouter(include_in_schema=False)
# views last: its /console/{kind}/{stream} is generic
for part in (signin, writes, imports, postings, views):
    router.include_router(part.router)
