"""Domain events: what happened, recorded in the transaction that made it happen, handed to the
subscribers of the hub after that transaction commits.

A service records a fact (``record(db, VersionPublished(...))``) and knows nothing of who reacts
to it; the composition root subscribes the reactions (search index, notifications, webhooks) on
the hub's ``EventBus``. The outbox row commits with the change, so a crash between the commit
and the delivery loses nothing: ``EventBus.redeliver_pending`` hands it over later. Each
(event, subscriber) pair is delivered in a transaction of its own together with a delivery row,
so its effects happen once, also with several processes.
"""

from modelhub.events.announcement import Announcement
from modelhub.events.bus import EventBus, Handler
from modelhub.events.outbox import record
from modelhub.events.types import (
    CheckFinished,
    CommentAdded,
    Downloaded,
    Event,
    ListingChanged,
    PartnerApplied,
    PartnerChanged,
    PartnerDecided,
    ReviewMoved,
    SummariesReceived,
    VersionPublished,
    VersionUnyanked,
    VersionYanked,
)

__all__ = [
    "Announcement",
    "CheckFinished",
    "CommentAdded",
    "Downloaded",
    "Event",
    "EventBus",
    "Handler",
    "ListingChanged",
    "PartnerApplied",
    "PartnerChanged",
    "PartnerDecided",
    "ReviewMoved",
    "SummariesReceived",
    "VersionPublished",
    "VersionUnyanked",
    "VersionYanked",
    "record",
]
