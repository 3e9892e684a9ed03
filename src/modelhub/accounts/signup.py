"""Self sign-up under the admin's policy, invitations, address confirmation and password
reset by e-mail. Services never commit; the caller sends the e-mail after committing."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from modelhub.accounts import onetime, service
from modelhub.accounts.emails import clean_email, ensure_email_free
from modelhub.accounts.models import HubSetting, OneTimeToken, Role, User, WebSession
from modelhub.accounts.security import hash_password
from modelhub.config import Settings
from modelhub.db import utcnow
from modelhub.errors import ErrorDetail, Forbidden, InvalidRequest

POLICIES = ("open", "invitation", "admin-only")
_KEY = "signup"


def policy(db: Session, settings: Settings) -> str:
    """The sign-up policy: the admin's choice if they made one, else ``MODELHUB_SIGNUP``."""
    row = db.get(HubSetting, _KEY)
    return row.value if row is not None and row.value in POLICIES else settings.signup


def set_policy(db: Session, *, value: str) -> str:
    if value not in POLICIES:
        message = "The sign-up policy must be open, invitation or admin-only."
        raise InvalidRequest(message, [ErrorDetail(("policy",), message)], code="invalid_policy")
    row = db.get(HubSetting, _KEY)
    if row is None:
        db.add(HubSetting(key=_KEY, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()
    db.flush()
    return value


def create_invitation(db: Session, *, actor: User, settings: Settings) -> tuple[str, str]:
    """A single-use invitation (reviewers and admins); returns its secret and expiry (ISO)."""
    if not actor.role.at_least(Role.reviewer):
        raise Forbidden("Only reviewers and admins can invite people.")
    row, secret = onetime.issue(
        db, purpose=onetime.INVITE, hours=24 * settings.invitation_days, created_by_id=actor.id
    )
    return secret, row.expires_at.isoformat()


def sign_up(
    db: Session,
    settings: Settings,
    *,
    username: str,
    password: str,
    email: str | None,
    invitation: str | None = None,
    mail_on: bool,
) -> tuple[User, str | None]:
    """Create a member account if the policy allows it; returns it and, with e-mail on, the
    secret of the confirmation link to send (the account uploads nothing until it is used)."""
    rule = policy(db, settings)
    if rule == "admin-only":
        raise Forbidden(
            "This hub does not take sign-ups: its admins create accounts. Ask one of them.",
            code="signup_closed",
        )
    if rule == "invitation":
        if not invitation:
            message = "This hub takes sign-ups by invitation only: use the link you were sent."
            raise Forbidden(message, code="invitation_required")
        onetime.peek(db, purpose=onetime.INVITE, secret=invitation, field="invitation")
    address = clean_email(email)
    if mail_on and address is None:
        message = "Give your e-mail address: the hub sends a link to confirm it."
        raise InvalidRequest(message, [ErrorDetail(("email",), message)], code="email_required")
    service.check_password(password)
    if mail_on and address is not None:
        release_unproven_address(db, address)
    user = service.create_user(db, username=username, password=password, email=address)
    user.email_confirmed = False  # nobody proved to own this address yet
    user.self_named = True  # nor to be the GitHub user of this name
    if rule == "invitation" and invitation:
        onetime.use(db, purpose=onetime.INVITE, secret=invitation, field="invitation")
    secret = None
    if mail_on and address is not None:
        _, secret = onetime.issue(
            db, purpose=onetime.CONFIRM, hours=onetime.CONFIRM_HOURS, user_id=user.id, email=address
        )
    db.flush()
    return user, secret


def release_unproven_address(db: Session, address: str) -> User | None:
    """An address that an account took at sign-up and never confirmed, with no confirmation link
    still valid, is free again (nobody can hold someone else's address by signing up with it):
    that account keeps its name and password and loses the address. The account, if any."""
    now = utcnow()
    live_link = (
        select(OneTimeToken.id)
        .where(
            OneTimeToken.user_id == User.id,
            OneTimeToken.purpose == onetime.CONFIRM,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .exists()
    )
    holder = db.scalar(
        select(User).where(
            func.lower(User.email) == address.lower(),
            User.email_confirmed.is_(False),
            ~live_link,
        )
    )
    if holder is not None:
        holder.email = None
        db.flush()
    return holder


def request_confirmation(db: Session, *, user: User, email: str) -> str:
    """A new confirmation link for ``email`` (the current or a new address); earlier links
    die. The address becomes the account's only when confirmed."""
    onetime.forget_unused(db, user_id=user.id, purpose=onetime.CONFIRM)
    _, secret = onetime.issue(
        db, purpose=onetime.CONFIRM, hours=onetime.CONFIRM_HOURS, user_id=user.id, email=email
    )
    return secret


def confirm(db: Session, *, secret: str) -> User:
    """Follow a confirmation link: the address it was sent to is now the account's, confirmed."""
    row = onetime.use(db, purpose=onetime.CONFIRM, secret=secret)
    user = db.get(User, row.user_id) if row.user_id is not None else None
    if user is None or row.email is None:
        raise InvalidRequest(
            "This confirmation link belongs to no account.", code="invalid_confirm"
        )
    if (user.email or "").lower() != row.email.lower():
        ensure_email_free(db, row.email)
    user.email, user.email_confirmed = row.email, True
    db.flush()
    return user


def user_by_email(db: Session, email: str) -> User | None:
    found = select(User).where(func.lower(User.email) == email.strip().lower())
    user = db.scalar(found)
    return user if user is not None and user.is_active else None


def request_reset(db: Session, *, email: str) -> tuple[User, str] | None:
    """A password reset link for the active account with this address; None when there is
    none (the caller answers the same either way)."""
    user = user_by_email(db, email)
    if user is None:
        return None
    onetime.forget_unused(db, user_id=user.id, purpose=onetime.RESET)
    _, secret = onetime.issue(db, purpose=onetime.RESET, hours=onetime.RESET_HOURS, user_id=user.id)
    return user, secret


def reset_password(db: Session, *, secret: str, password: str) -> User:
    """Set a new password from a reset link; every session of the account ends."""
    onetime.peek(db, purpose=onetime.RESET, secret=secret)
    service.check_password(password)
    row = onetime.use(db, purpose=onetime.RESET, secret=secret)
    user = db.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.is_active:
        raise InvalidRequest("This reset link belongs to no account.", code="invalid_reset")
    set_password(db, user=user, password=password)
    user.email_confirmed = True  # the link reached the mailbox
    return user


def set_password(db: Session, *, user: User, password: str, keep: str | None = None) -> None:
    """Store a new password and end the user's sessions (but ``keep``, the cookie's hash)."""
    service.check_password(password)
    user.password_hash = hash_password(password)
    ended = delete(WebSession).where(WebSession.user_id == user.id)
    if keep is not None:
        ended = ended.where(WebSession.session_hash != keep)
    db.execute(ended)
    db.flush()


def may_upload(user: User, settings: Settings) -> None:
    """``Forbidden`` (``email_unconfirmed``) while a self-signed-up account has not confirmed
    its address on a hub that sends e-mail."""
    if not user.email_confirmed and settings.smtp_host is not None:
        raise Forbidden(
            "Confirm your e-mail address first: follow the link the hub sent you, or ask for a "
            "new one on your account page.",
            code="email_unconfirmed",
        )
