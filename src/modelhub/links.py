"""Every URL the hub hands out, built in one place from its public base URL and files origin.

Two kinds of method:

- *paths* (static methods, ``…_path``): origin-relative (``/resources/x?version=v2``), for
  links inside pages, redirects and stored notifications — they do not depend on the hub;
- *absolute URLs* (instance methods): ``base`` (``MODELHUB_BASE_URL``) or, for published package
  files, the files origin (``MODELHUB_FILES_URL``) in front, for JSON answers, ``id_map.json``,
  e-mails, citations and instructions to copy.

One ``Links`` per hub (``Hub.links``, built by ``wiring.build_hub``; pages' templates get it as
``urls``). Code without a hub builds one with ``Links.of(settings)``. Path segments are
percent-encoded (a file path keeps its ``/``, and so does a namespaced resource id,
``<partner id>/<name>``: ``modelhub.web.ids``); nothing here imports the hub's other modules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from modelhub.config import Settings

_PUBLISHED = re.compile(r"v\d+")
# the bioimage.io tools' staged-upload API (``interop.hypha``)
HYPHA_PREFIX = "/public/services/artifact-manager"


def _seg(value: str | int) -> str:
    """One path segment (or query value), nothing left unescaped that could end it."""
    return quote(str(value), safe="")


def _rid(resource_id: str) -> str:
    """A resource id in a path: each segment escaped, the ``/`` of a namespaced id
    (``ilastik/pixel-classifier``) kept, as the routes' ``{resource_id:rid}`` expects."""
    return quote(resource_id, safe="/")


def _query(path: str, **params: str | int | None) -> str:
    """``path`` with the given (non-None) parameters, each value percent-encoded."""
    given = [(k, v) for k, v in params.items() if v is not None]
    if not given:
        return path
    return path + "?" + "&".join(f"{k}={_seg(v)}" for k, v in given)


def _fragment(path: str, comment: int | None) -> str:
    return f"{path}#comment-{comment}" if comment is not None else path


@dataclass(frozen=True)
class Links:
    """The URLs of one hub. ``base`` and ``files`` are kept without a trailing slash.

    With a files origin, published files are linked there directly; files of drafts and closed
    revisions stay on the hub's origin, which checks the viewer and then redirects to a
    short-lived signed link on the files origin (``downloads.origin``)."""

    base: str
    files: str | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))
        object.__setattr__(self, "files", self.files.rstrip("/") if self.files else None)

    @classmethod
    def of(cls, settings: Settings) -> Links:
        """The links of the hub ``settings`` describe."""
        return cls(settings.public_base, settings.public_files_base)

    def absolute(self, path: str) -> str:
        """``path`` (one of the ``…_path`` results, starting with ``/``) on the hub's origin."""
        return self.base + path

    # -- pages (paths) --------------------------------------------------------------------------

    @staticmethod
    def catalog_path(params: Sequence[tuple[str, str]] = ()) -> str:
        """The catalog page in the state ``params`` describe (``search.params``)."""
        return f"/?{urlencode(params)}" if params else "/"

    @staticmethod
    def tag_path(tag: str) -> str:
        """The catalog filtered by one tag."""
        return f"/?tags={quote(tag, safe='/')}"

    @staticmethod
    def resource_path(
        resource_id: str, version: str | None = None, *, comment: int | None = None
    ) -> str:
        """A resource's page (its latest version, or ``version``: ``v3``, ``draft``)."""
        return _fragment(_query(f"/resources/{_rid(resource_id)}", version=version), comment)

    @staticmethod
    def sample_path(resource_id: str, label: str, name: str) -> str:
        """A picture of a version's test or sample tensor (``name``: ``test-input-0``)."""
        return f"/resources/{_rid(resource_id)}/versions/{_seg(label)}/samples/{_seg(name)}.png"

    @staticmethod
    def review_path(
        resource_id: str | None = None, *, done: str | None = None, comment: int | None = None
    ) -> str:
        """The review desk of a resource (the queue without one)."""
        path = f"/review/{_rid(resource_id)}" if resource_id is not None else "/review"
        return _fragment(_query(path, done=done), comment)

    @staticmethod
    def review_queue_path(state: str | None = None, *, partner: str | None = None) -> str:
        """The review queue, showing revisions in ``state`` (only those claiming ``partner``:
        its queue)."""
        return _query("/review", state=state, partner=partner)

    @staticmethod
    def review_action_path(resource_id: str, action: str) -> str:
        """Where the desk's form for ``action`` (``approve``, ``reject``…) posts."""
        return f"/review/{_rid(resource_id)}/actions/{_seg(action)}"

    @staticmethod
    def review_comments_path(resource_id: str) -> str:
        return f"/review/{_rid(resource_id)}/comments"

    @staticmethod
    def upload_path(
        resource_id: str | None = None, *, done: str | None = None, as_json: bool = False
    ) -> str:
        """A resource's upload status page (the wizard without one); ``as_json``: its twin."""
        if resource_id is None:
            return "/upload"
        return _query(f"/upload/{_rid(resource_id)}", done=done, format="json" if as_json else None)

    @staticmethod
    def new_upload_path(resource_id: str | None = None) -> str:
        """The upload wizard, for a new revision of ``resource_id`` when given."""
        return _query("/upload", resource_id=resource_id)

    @staticmethod
    def upload_action_path(resource_id: str, action: str) -> str:
        """Where the status page's ``submit`` and ``withdraw`` buttons post."""
        return f"/upload/{_rid(resource_id)}/{_seg(action)}"

    @staticmethod
    def login_path(next_path: str) -> str:
        """The login form, coming back to ``next_path`` afterwards."""
        return _query("/login", next=next_path)

    @staticmethod
    def account_path(*, done: str | None = None) -> str:
        return _query("/account", done=done)

    @staticmethod
    def oidc_login_path(provider: str, next_path: str = "/") -> str:
        """Log in through the OpenID Connect provider ``provider``."""
        return _query(f"/login/oidc/{_seg(provider)}", next=None if next_path == "/" else next_path)

    @staticmethod
    def oidc_callback_path(provider: str) -> str:
        """Where the provider sends the browser back (the redirect URI registered there)."""
        return f"/login/oidc/{_seg(provider)}/callback"

    @staticmethod
    def oidc_connect_path(provider: str) -> str:
        return f"/account/oidc/{_seg(provider)}/connect"

    @staticmethod
    def notifications_path(*, page: int | None = None) -> str:
        return _query("/notifications", page=None if page == 1 else page)

    @staticmethod
    def notification_read_path(notification_id: int) -> str:
        return f"/notifications/{_seg(notification_id)}/read"

    @staticmethod
    def token_revoke_path(token_id: int) -> str:
        return f"/account/tokens/{_seg(token_id)}/revoke"

    @staticmethod
    def admin_users_path(*, done: str | None = None, who: str | None = None) -> str:
        """The user administration page, saying what was ``done`` to whom."""
        given = [(k, v) for k, v in (("done", done), ("who", who)) if v is not None]
        return f"/admin/users?{urlencode(given)}" if given else "/admin/users"

    @staticmethod
    def admin_user_path(username: str) -> str:
        return f"/admin/users/{_seg(username)}"

    # -- community partners ---------------------------------------------------------------------

    @staticmethod
    def partner_path(partner_id: str, *, done: str | None = None) -> str:
        return _query(f"/partners/{_seg(partner_id)}", done=done)

    @staticmethod
    def partner_explore_path(partner_id: str) -> str:
        """The stable address of a partner's items: the catalog filtered to them, on the
        partner's default type (a redirect, so that the partner may change its settings)."""
        return f"/partners/{_seg(partner_id)}/explore"

    @staticmethod
    def partner_image_path(partner_id: str, field: str, *, version: str | None = None) -> str:
        """A partner's logo, icon or background image as the hub stored it; ``version`` (the
        start of its sha256) makes the address change with the image (cached for good)."""
        return _query(f"/partners/{_seg(partner_id)}/images/{_seg(field)}", v=version)

    @staticmethod
    def partner_apply_path(*, done: str | None = None) -> str:
        return _query("/partners/apply", done=done)

    @staticmethod
    def partner_maintainers_path(partner_id: str) -> str:
        return f"/partners/{_seg(partner_id)}/maintainers"

    @staticmethod
    def partner_maintainer_remove_path(partner_id: str, username: str) -> str:
        return f"/partners/{_seg(partner_id)}/maintainers/{_seg(username)}/remove"

    @staticmethod
    def partner_sync_path(partner_id: str) -> str:
        return f"/partners/{_seg(partner_id)}/sync"

    def partner_sync_api(self, partner_id: str) -> str:
        return self.api(f"partners/{_seg(partner_id)}/sync")

    @staticmethod
    def partner_tokens_path(partner_id: str) -> str:
        return f"/partners/{_seg(partner_id)}/tokens"

    @staticmethod
    def partner_token_revoke_path(partner_id: str, token_id: int) -> str:
        return f"/partners/{_seg(partner_id)}/tokens/{_seg(token_id)}/revoke"

    @staticmethod
    def partner_ci_hook_path(partner_id: str) -> str:
        return f"/partners/{_seg(partner_id)}/ci-hook"

    @staticmethod
    def partner_summaries_pull_path(partner_id: str) -> str:
        return f"/partners/{_seg(partner_id)}/test-summaries/pull"

    @staticmethod
    def partner_applications_path(*, done: str | None = None, who: str | int | None = None) -> str:
        return _query("/admin/partners", done=done, who=who)

    @staticmethod
    def partner_application_action_path(application_id: int, action: str) -> str:
        """``action``: ``approve`` or ``decline``."""
        return f"/admin/partners/{_seg(application_id)}/{_seg(action)}"

    # -- API (paths and absolute) ---------------------------------------------------------------

    @staticmethod
    def citation_path(resource_id: str, label: str, suffix: str) -> str:
        """A version's citation file (``suffix``: ``cff``, ``bib``)."""
        return f"/api/v1/resources/{_rid(resource_id)}/versions/{_seg(label)}/citation.{suffix}"

    def api(self, path: str) -> str:
        """An API URL: ``api("me")`` → ``<base>/api/v1/me``."""
        return f"{self.base}/api/v1/{path}"

    def resource_api(self, resource_id: str) -> str:
        return self.api(f"resources/{_rid(resource_id)}")

    def review_api(self, resource_id: str) -> str:
        return self.api(f"resources/{_rid(resource_id)}/review")

    # -- absolute pages -------------------------------------------------------------------------

    def resource_page(self, resource_id: str, version: str | None = None) -> str:
        return self.absolute(self.resource_path(resource_id, version))

    def id_map(self) -> str:
        """The id map the bioimage.io tools read (``BIOIMAGEIO_ID_MAP``)."""
        return f"{self.base}/id_map.json"

    def collection_json(self) -> str:
        """The whole collection in bioimage.io's collection shape (``exports``)."""
        return f"{self.base}/collection.json"

    def index_json(self) -> str:
        """The published resources in bioimage.io's index shape (``exports``)."""
        return f"{self.base}/index.json"

    def collection_pattern(self) -> str:
        """``BIOIMAGEIO_COLLECTION_HTTP_PATTERN``: where the tools find an id's rdf.yaml."""
        return f"{self.base}/artifacts/{{bioimageio_id}}/files/rdf.yaml"

    def staged_file(self, key: str, *, path: str, signature: str) -> str:
        """Where the bytes of ``path`` of a staged upload (``interop.hypha``) are PUT."""
        query = urlencode({"path": path, "signature": signature})
        return f"{self.base}{HYPHA_PREFIX}/files/{_seg(key)}?{query}"

    # -- package files --------------------------------------------------------------------------

    @staticmethod
    def file_path(resource_id: str, label: str | None, path: str) -> str:
        """``/artifacts/{id}[/{label}]/files/{path}`` (the latest published without a label)."""
        return f"{_artifact(resource_id, label)}/files/{quote(path)}"

    @staticmethod
    def package_path(resource_id: str, label: str | None) -> str:
        return f"{_artifact(resource_id, label)}/package.zip"

    def _files_root(self, label: str | None) -> str:
        if self.files is not None and (label is None or _PUBLISHED.fullmatch(label)):
            return self.files
        return self.base

    def file(self, resource_id: str, label: str | None, path: str) -> str:
        """A package file, on the files origin when it is published and one is set."""
        return self._files_root(label) + self.file_path(resource_id, label, path)

    def package(self, resource_id: str, label: str | None) -> str:
        """A version's zip, on the files origin when it is published and one is set."""
        return self._files_root(label) + self.package_path(resource_id, label)

    # -- predictions (``predictions``) --------------------------------------------------------

    @staticmethod
    def predict_path(resource_id: str, version: str | None = None) -> str:
        """A model's "run it on your image" page."""
        return _query(f"/resources/{_rid(resource_id)}/predict", version=version)

    @staticmethod
    def prediction_path(prediction_id: str) -> str:
        """One prediction's page (its owner's only)."""
        return f"/predictions/{_seg(prediction_id)}"

    @staticmethod
    def predictions_path() -> str:
        """The requester's own predictions."""
        return "/predictions"

    @staticmethod
    def prediction_api_path(prediction_id: str) -> str:
        return f"/api/v1/predictions/{_seg(prediction_id)}"

    @staticmethod
    def predictions_api_path(resource_id: str) -> str:
        """Where predictions of a model are asked for (POST)."""
        return f"/api/v1/resources/{_rid(resource_id)}/predictions"

    @staticmethod
    def prediction_output_path(prediction_id: str, name: str, fmt: str) -> str:
        """A result tensor as a file (``fmt``: ``npy``, ``tiff``, ``zarr``)."""
        return f"/api/v1/predictions/{_seg(prediction_id)}/outputs/{_seg(name)}.{_seg(fmt)}"

    @staticmethod
    def prediction_preview_path(
        prediction_id: str, side: str, name: str, pick: dict[str, int] | None = None
    ) -> str:
        """A PNG of one plane of an input or output (``side``: ``inputs``/``outputs``)."""
        path = f"/api/v1/predictions/{_seg(prediction_id)}/{_seg(side)}/{_seg(name)}/preview.png"
        return _query(path, **(pick or {}))

    def prediction_api(self, prediction_id: str) -> str:
        return self.absolute(self.prediction_api_path(prediction_id))

    def predictions_api(self, resource_id: str) -> str:
        return self.absolute(self.predictions_api_path(resource_id))

    # -- applications (``catalog.applications``) ----------------------------------------------

    @staticmethod
    def open_app_path(resource_id: str, app_id: str, version: str | None = None) -> str:
        """The hub's page that opens ``resource_id`` (``version``: ``v2``; the latest without
        one) in the application ``app_id``."""
        return _query(f"/resources/{_rid(resource_id)}/open/{_rid(app_id)}", version=version)

    @staticmethod
    def app_entry_path(app_id: str, label: str, path: str) -> str:
        """A published application's web page (``path``: its entry), served to run framed."""
        return f"{_artifact(app_id, label)}/app/{quote(path)}"

    def app_entry(self, app_id: str, label: str, path: str) -> str:
        """The application's web page, on the files origin when one is set."""
        return self._files_root(label) + self.app_entry_path(app_id, label, path)

    def on_files_origin(self, raw_path: str) -> str:
        """The same (already encoded) path on the files origin; ``RuntimeError`` without one."""
        if self.files is None:
            raise RuntimeError("the hub has no files origin")
        return self.files + raw_path


def _artifact(resource_id: str, label: str | None) -> str:
    where = f"{_rid(resource_id)}/{_seg(label)}" if label else _rid(resource_id)
    return f"/artifacts/{where}"
