"""Names for the public lists: masking (surname + ``*``) and reading them from the vault."""

from __future__ import annotations

from ledger.errors import NotFound
from ledger.vault import Vault
from projections.base import NameLookup
from verify.lists import COMPOUND_SURNAMES, WHITE_SPACE, mask_name

__all__ = ["COMPOUND_SURNAMES", "mask_name", "vault_names"]  # the masking rule is verify's


def vault_names(vault: Vault) -> NameLookup:
    """Subject id -> the ``name`` in the vault; None when erased or unnamed.

    A tampered vault raises VaultError: a projection stops rather than show a wrong name.
    """

    def lookup(subject: str) -> str | None:
        try:
            name = vault.read_subject(subject).get("name")
        except NotFound:
            return None
        return name if isinstance(name, str) and name.strip(WHITE_SPACE) else None

    return lookup
