"""The transparency log: every record, in commit order, a leaf of one RFC 9162 Merkle tree."""
