"""The development-incentive record (issue 14): the append-only, hash-chained ledger of facts about people.

hashing.py is the pure canonical encoding, chain hash and checkpoint
signature; service.py appends facts (append_fact, record_current) and
verifies the chain; rebuild.py compares the ledger with the facts the
feature packages' facts.py modules expect; cli.py is `lms record …`.
"""
