"""Webhooks: signed HTTP POSTs to URLs people register, one per hub event, retried with backoff.

``service.queue_deliveries`` is the entry point for the rest of the hub; ``signing.verify``
is what a receiver uses (see docs/api.md, "Webhooks").
"""
