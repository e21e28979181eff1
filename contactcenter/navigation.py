"""Where each role works: the header's navigation and the start page's tiles.

The composition root knows every app, so the places a user may go are listed here once,
from the roles (``contactcenter.roles`` for admins and CRM managers, ``routing`` for
operators and supervisors). Each app's pages still check their own permissions; this
module only keeps people from being offered a door they may not open.

- operator (an operator record): the inbox and their own figures;
- supervisor (an operator record that supervises a group): the inbox, the live view of
  their teams, the routing board, the reports and the wallboard of their groups;
- CRM manager: leads, the lead board and tasks;
- admin: the administration, the reports, the routing board and the CRM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contactcenter import roles
from routing import selectors as routing_selectors

LIVE_VIEW_QUERY = "view=team"


@dataclass(frozen=True)
class UserRoles:
    admin: bool
    crm_manager: bool  # only the crm_managers group; admins count separately
    operator: bool  # any operator record, supervisors included
    supervisor: bool

    @property
    def any(self) -> bool:
        return self.admin or self.crm_manager or self.operator


@dataclass(frozen=True)
class Work:
    """One place a user works, as a header link and a start-page tile."""

    key: str
    label: Promise
    description: Promise
    url: str
    in_nav: bool = True


def user_roles(user: Any) -> UserRoles:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserRoles(admin=False, crm_manager=False, operator=False, supervisor=False)
    cached = getattr(user, "_cc_user_roles", None)
    if cached is not None:
        return cached
    operator_role = routing_selectors.operator_role_of_user(user=user)
    admin = roles.is_admin(user)
    found = UserRoles(
        admin=admin,
        crm_manager=roles.is_crm_manager(user) and not admin,
        operator=operator_role is not None,
        supervisor=operator_role == "supervisor",
    )
    user._cc_user_roles = found
    return found


@dataclass(frozen=True)
class _Place:
    """A place of work and who may go there (from their roles and their user)."""

    key: str
    label: Promise
    description: Promise
    url: Callable[[], str]
    may: Callable[[UserRoles, Any], bool]
    in_nav: bool = True


def _crm(who: UserRoles, user: Any) -> bool:
    return who.admin or who.crm_manager


def _leaders(who: UserRoles, user: Any) -> bool:
    return who.admin or who.supervisor


# In the order the header shows them.
PLACES = (
    _Place(
        "inbox",
        _("Inbox"),
        _("Your chats and your groups' queues, live."),
        lambda: reverse("inbox:inbox"),
        lambda who, user: who.operator,
    ),
    _Place(
        "live",
        _("Live view"),
        _("Every open chat of the groups you supervise, as it happens."),
        lambda: f"{reverse('inbox:inbox')}?{LIVE_VIEW_QUERY}",
        lambda who, user: who.supervisor,
    ),
    _Place(
        "routing_board",
        _("Routing board"),
        _("Queues, operators and their load, live."),
        lambda: reverse("routing:board"),
        _leaders,
    ),
    _Place(
        "reports",
        _("Reports"),
        _("Chats, response times, service level and ratings over a period."),
        lambda: reverse("reports:summary"),
        _leaders,
    ),
    _Place(
        "wallboard",
        _("Wallboard"),
        _("Queues, waits and today's service level per group, live, for a big screen."),
        lambda: reverse("reports:wallboard"),
        _leaders,
        in_nav=False,
    ),
    _Place(
        "my_figures",
        _("My figures"),
        _("Your own answered chats, response and handling times and ratings."),
        lambda: reverse("reports:mine"),
        lambda who, user: who.operator,
    ),
    _Place(
        "leads",
        _("Leads"),
        _("Sales opportunities from chats, with their notes and tasks."),
        lambda: reverse("crm:leads"),
        _crm,
    ),
    _Place(
        "lead_board",
        _("Lead board"),
        _("Leads by stage of their pipeline."),
        lambda: reverse("crm:board"),
        _crm,
    ),
    _Place(
        "tasks",
        _("My tasks"),
        _("Your to-dos about leads and customers, the overdue ones marked."),
        lambda: reverse("crm:tasks"),
        _crm,
    ),
    _Place(
        "admin",
        _("Administration"),
        _("Groups, working hours, channels, operators, bots and triggers."),
        lambda: reverse("admin:index"),
        lambda who, user: bool(user.is_staff),
    ),
    _Place(
        "api",
        _("API"),
        _("The REST API and its documentation."),
        lambda: reverse("api-docs"),
        lambda who, user: who.admin,
        in_nav=False,
    ),
)


def works_of(user: Any) -> list[Work]:
    """Every place ``user`` may work, in the order the header shows them."""
    who = user_roles(user)
    return [
        Work(place.key, place.label, place.description, place.url(), in_nav=place.in_nav)
        for place in PLACES
        if place.may(who, user)
    ]


def start_url(user: Any) -> str | None:
    """Where ``/`` sends a user with one area of work (an operator: the inbox; a CRM
    manager: the leads); ``None`` for people whose work spans several areas (admins,
    supervisors, an operator who is also a CRM manager), who get the start page."""
    who = user_roles(user)
    if who.admin or who.supervisor or (who.operator and who.crm_manager):
        return None
    if who.operator:
        return reverse("inbox:inbox")
    if who.crm_manager:
        return reverse("crm:leads")
    return None


def current_key(works: list[Work], request: HttpRequest) -> str | None:
    """The work the request's page belongs to (the longest matching path wins; the
    inbox's live view is the inbox with ``?view=team``)."""
    path = request.path
    if path == reverse("inbox:inbox"):
        live = request.GET.get("view") == "team"
        wanted = "live" if live else "inbox"
        return wanted if any(w.key == wanted for w in works) else None
    best: tuple[int, str] | None = None
    for work in works:
        base = work.url.split("?", 1)[0]
        if work.key in ("inbox", "live") or not path.startswith(base):
            continue
        if best is None or len(base) > best[0]:
            best = (len(base), work.key)
    return best[1] if best else None


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``nav_links`` (the header's links, each with ``current``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    works = works_of(user)
    current = current_key(works, request)
    return {
        "nav_links": [
            {"key": w.key, "label": w.label, "url": w.url, "current": w.key == current}
            for w in works
            if w.in_nav
        ]
    }
