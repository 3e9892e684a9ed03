"""The data of the sign-up, confirmation and password pages (one form template serves all;
the JSON twins are this data)."""

from __future__ import annotations

from pydantic import BaseModel

from modelhub.accounts.service import MIN_PASSWORD


class FormField(BaseModel):
    name: str
    label: str
    type: str = "text"
    value: str = ""
    autocomplete: str = "off"
    required: bool = True
    hint: str | None = None


class PageLink(BaseModel):
    href: str
    text: str


class FormPage(BaseModel):
    title: str
    intro: list[str] = []
    action: str | None = None  # None: no form (a closed sign-up, a done step)
    fields: list[FormField] = []
    hidden: dict[str, str] = {}
    submit: str = "Send"
    notice: str | None = None
    error: str | None = None
    code: str | None = None
    links: list[PageLink] = []
    policy: str | None = None
    email_confirmation: bool | None = None


_LOGIN = PageLink(href="/login", text="Log in")
_FORGOT = PageLink(href="/password/forgot", text="Forgot your password?")
PASSWORD_HINT = f"At least {MIN_PASSWORD} characters; a few words make a good one."


def signup_page(
    policy: str, *, mail_on: bool, invitation: str = "", username: str = "", email: str = ""
) -> FormPage:
    page = FormPage(
        title="Sign up", policy=policy, email_confirmation=mail_on, links=[_LOGIN], code=None
    )
    if policy == "admin-only":
        page.intro = ["This hub does not take sign-ups: its admins create accounts. Ask one."]
        page.code = "signup_closed"
        return page
    if policy == "invitation" and not invitation:
        page.intro = ["This hub takes sign-ups by invitation: open the link you were sent."]
        page.code = "invitation_required"
        return page
    page.intro = [
        "Your account lets you upload models and other resources, and maintain them."
        if not mail_on
        else "We e-mail you a link to confirm your address; you can upload once it is confirmed.",
    ]
    if not mail_on:
        page.intro.append(
            "This hub sends no e-mail, so no confirmation is needed; your address is kept "
            "unconfirmed and links you to no resource until an admin vouches for it."
        )
    page.action, page.submit = "/signup", "Create account"
    if invitation:
        page.hidden = {"invitation": invitation}
    page.fields = [
        FormField(name="username", label="Username", value=username, autocomplete="username",
                  hint="2 to 64 letters, digits, '.', '_' or '-'."),
        FormField(name="email", label="E-mail", type="email", value=email,
                  autocomplete="email", required=mail_on),
        FormField(name="password", label="Password", type="password",
                  autocomplete="new-password", hint=PASSWORD_HINT),
    ]  # fmt: skip
    return page


def forgot_page(*, mail_on: bool, email: str = "") -> FormPage:
    if not mail_on:
        return FormPage(
            title="Forgot your password?",
            intro=["This hub sends no e-mail: ask one of its admins to help you."],
            links=[_LOGIN],
        )
    return FormPage(
        title="Forgot your password?",
        intro=["Give the e-mail address of your account: we send a link to choose a new one."],
        action="/password/forgot",
        submit="Send the link",
        fields=[FormField(name="email", label="E-mail", type="email", value=email,
                          autocomplete="email")],
        links=[_LOGIN],
    )  # fmt: skip


def reset_page(token: str) -> FormPage:
    return FormPage(
        title="Choose a new password",
        intro=["Every login of your account ends when you save it."],
        action="/password/reset",
        submit="Save the new password",
        hidden={"token": token},
        fields=[FormField(name="password", label="New password", type="password",
                          autocomplete="new-password", hint=PASSWORD_HINT)],
        links=[_FORGOT],
    )  # fmt: skip


def done_page(title: str, message: str, *, login: bool = True) -> FormPage:
    return FormPage(title=title, notice=message, links=[_LOGIN] if login else [])
