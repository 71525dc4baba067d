"""Names for the public lists: masking (surname + ``*``) and reading them from the vault."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from ledger.errors import NotFound
from ledger.vault import Vault
from verify.lists import COMPOUND_SURNAMES, WHITE_SPACE, mask_name

__all__ = ["COMPOUND_SURNAMES", "VaultNames", "mask_name", "vault_names"]  # masking: verify's


def _name(personal: dict[str, Any]) -> str | None:
    name = personal.get("name")
    return name if isinstance(name, str) and name.strip(WHITE_SPACE) else None


class VaultNames:
    """Subject id -> the ``name`` in the vault; None when erased or unnamed (a NameLookup).

    A tampered vault raises VaultError: a projection stops rather than show a wrong name.
    ``prefetched(ids)``: for one batch, those subjects' names are read in one query (the
    batch's lookups of others read the vault one by one, as always); the names are as the
    vault holds them when the batch begins, and forgotten when it ends."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._batch: dict[str, str | None] = {}

    def __call__(self, subject: str) -> str | None:
        if subject in self._batch:
            return self._batch[subject]
        try:
            return _name(self.vault.read_subject(subject))
        except NotFound:
            return None

    @contextmanager
    def prefetched(self, subjects: Collection[str]) -> Iterator[None]:
        """Requires no other batch's prefetch active on this object (one runner per thread)."""
        found = self.vault.read_subjects(subjects) if subjects else {}
        self._batch = {subject: None for subject in subjects}
        self._batch.update((subject, _name(personal)) for subject, personal in found.items())
        try:
            yield
        finally:
            self._batch = {}


def vault_names(vault: Vault) -> VaultNames:
    """The names in ``vault``, read as the lists need them (see VaultNames)."""
    return VaultNames(vault)
