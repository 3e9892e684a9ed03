"""Imports every ORM model so that ``Base.metadata`` knows all tables (migrations, tests)."""

from modelhub.accounts.models import (
    ApiToken,
    HubSetting,
    LoginThrottle,
    OneTimeToken,
    User,
    WebSession,
)
from modelhub.accounts.oidc_models import OidcIdentity
from modelhub.analytics.models import UsageDoi, UsageEvent, UsageRollup, UsageState
from modelhub.catalog.models import (
    Resource,
    ResourceMaintainer,
    ResourceTag,
    ResourceVersion,
    VersionFile,
)
from modelhub.checks.models import CheckRun
from modelhub.compat.models import CiNotice, CompatTarget, PartnerSummary, SummaryPull
from modelhub.db import Base
from modelhub.events.models import DomainEvent, EventDelivery
from modelhub.events.visitors import VisitorSalt
from modelhub.exports.models import ExportEntry, ExportState
from modelhub.jobs.models import Job
from modelhub.maintenance.models import MaintenanceLease
from modelhub.notifications.models import Notification
from modelhub.partners.models import (
    Partner,
    PartnerApplication,
    PartnerImage,
    PartnerMaintainer,
    PartnerToken,
)
from modelhub.predictions.models import Prediction, PredictionBlob
from modelhub.review.models import ReviewComment, ReviewEvent
from modelhub.search.models import SearchCount, SearchDocument, SearchEntry
from modelhub.storage.models import Blob
from modelhub.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "ApiToken",
    "Base",
    "Blob",
    "CheckRun",
    "CiNotice",
    "CompatTarget",
    "DomainEvent",
    "EventDelivery",
    "ExportEntry",
    "ExportState",
    "HubSetting",
    "Job",
    "LoginThrottle",
    "MaintenanceLease",
    "Notification",
    "OidcIdentity",
    "OneTimeToken",
    "Partner",
    "PartnerApplication",
    "PartnerImage",
    "PartnerMaintainer",
    "PartnerSummary",
    "PartnerToken",
    "Prediction",
    "PredictionBlob",
    "Resource",
    "ResourceMaintainer",
    "ResourceTag",
    "ResourceVersion",
    "ReviewComment",
    "ReviewEvent",
    "SearchCount",
    "SearchDocument",
    "SearchEntry",
    "SummaryPull",
    "UsageDoi",
    "UsageEvent",
    "UsageRollup",
    "UsageState",
    "User",
    "VersionFile",
    "VisitorSalt",
    "WebSession",
    "Webhook",
    "WebhookDelivery",
]
