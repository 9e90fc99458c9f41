"""Moderation: a server's own entries, suggestions and their review, an entry's history and the
audit log.

Public: ``service`` (``Moderation``), ``answers``, ``drafts`` (the entry form), ``ledger``
(history, audit log, export), ``render``; modules named ``_x`` are this feature's own."""
