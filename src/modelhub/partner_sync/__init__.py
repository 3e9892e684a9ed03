"""Syncing community partners' collections into the catalog (see ``docs/partners.md``)."""
