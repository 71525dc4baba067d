"""The trust policy: which log key, which witness keys, how many cosignatures are required.

    # comments and blank lines are ignored
    log <vkey of the log, type 0x01>
    witness <label> <vkey of a witness, type 0x04>      (any number)
    quorum <N>                                          (0 <= N <= witnesses; default 0)

The default the operator declares: the finance, audit and supervision departments as
witnesses, any 2 of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.note import COSIGNATURE_V1, ED25519, NoteError, Verifier, open_note, parse_vkey


class PolicyError(ValueError):
    """A policy is malformed, or a checkpoint does not satisfy it (with the counts)."""


@dataclass(frozen=True)
class Policy:
    log: Verifier
    witnesses: dict[str, Verifier]
    quorum: int

    def text(self) -> str:
        lines = [f"log {self.log.vkey()}"]
        lines += [f"witness {label} {v.vkey()}" for label, v in self.witnesses.items()]
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"


def parse_policy(text: str) -> Policy:
    """Parse a policy file; PolicyError naming the line at fault."""
    log: Verifier | None = None
    witnesses: dict[str, Verifier] = {}
    quorum = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        try:
            if words[0] == "log" and len(words) == 2 and log is None:
                log = parse_vkey(words[1])
                if log.sig_type != ED25519:
                    raise PolicyError(f"policy line {number}: the log key must be type 0x01")
            elif words[0] == "witness" and len(words) == 3 and words[1] not in witnesses:
                witness = parse_vkey(words[2])
                if witness.sig_type != COSIGNATURE_V1:
                    raise PolicyError(f"policy line {number}: a witness key must be type 0x04")
                witnesses[words[1]] = witness
            elif words[0] == "quorum" and len(words) == 2 and re.fullmatch(r"[0-9]+", words[1]):
                quorum = int(words[1])
            else:
                raise PolicyError(f"policy line {number}: can't read {line[:60]!r}")
        except NoteError as e:
            raise PolicyError(f"policy line {number}: {e}") from None
    if log is None:
        raise PolicyError("policy names no log key")
    if quorum > len(witnesses):
        raise PolicyError(f"quorum {quorum} exceeds the {len(witnesses)} witnesses named")
    return Policy(log, witnesses, quorum)


def check_policy(note: str, policy: Policy) -> tuple[Checkpoint, list[str]]:
    """Verify the log's signature and the witnesses' cosignatures on a checkpoint note.

    Returns the checkpoint and the labels of the witnesses whose cosignatures verified.
    Raises NoteError if a known key's signature fails, PolicyError if the log did not sign
    or fewer than ``quorum`` witnesses did.
    """
    labels = {(v.name, v.key_id): label for label, v in policy.witnesses.items()}
    parsed, verified = open_note(note, [policy.log, *policy.witnesses.values()])
    if policy.log not in verified:
        raise PolicyError(f"the log key {policy.log.name} did not sign this checkpoint")
    checkpoint = parse_checkpoint(parsed.text)
    if checkpoint.origin != policy.log.name:
        raise PolicyError(
            f"checkpoint origin {checkpoint.origin!r} is not the log key's name {policy.log.name!r}"
        )
    cosigned = [labels[(v.name, v.key_id)] for v in verified if v != policy.log]
    if len(cosigned) < policy.quorum:
        raise PolicyError(
            f"{len(cosigned)} witness cosignatures ({', '.join(cosigned) or 'none'}), "
            f"policy requires {policy.quorum}"
        )
    return checkpoint, cosigned
