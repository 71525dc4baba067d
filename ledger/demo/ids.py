"""Reproducible ids for the demo (production ids are uuid4)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from uuid import UUID


def seeded_ids(seed: int) -> Callable[[], UUID]:
    """A reproducible source of version-4 UUIDs."""
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
