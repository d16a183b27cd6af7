"""The development-incentive record (issue 14): the append-only, hash-chained ledger of facts about people.

hashing.py is the pure canonical encoding, chain hash and checkpoint
signature; service.py appends facts and verifies the chain; cli.py is
`lms record …`. No pages yet.
"""
