"""The ticket export's columns: canonical names, the headers helpdesks write for them, and matching headers to them.

Headers are compared ignoring case, spaces and punctuation ("Created at",
"created_at", "CREATED-AT"). Zendesk, Freshdesk and Zammad names are known:

==========================  ===========================================================================
canonical column            headers (first found wins, in this order)
==========================  ===========================================================================
``ticket_id``               Ticket ID, ID, Ticket number, Number, ...
``account_id``              Account ID, Account, Organization external ID, Organization, Company Name,
                            Customer, organization_id, company_id, ...
``created_at``              Created at, Created, Created time, Created date, created_at, Opened at, ...
``first_response_at``       First response at, First reply at, Initial response time, first_response_at, ...
``resolved_at``             Solved at, Resolved at, Resolved time, close_at, Closed at, Closed time, ...
``priority``                Priority, priority_id, Severity, Urgency
``channel``                 Channel, Via, via_id, Source, create_article_type_id
``first_response_minutes``  First reply time in minutes, First response minutes, ... (calendar time)
``first_response_business_minutes``  First reply time in minutes within business hours; Freshdesk's
                            "First response time (in hrs)"; Zammad's first_response_in_min
``resolution_minutes``      Full resolution time in minutes, Resolution time in minutes, ...
``resolution_business_minutes``  Full resolution time in minutes within business hours; Freshdesk's
                            "Resolution time (in hrs)"; Zammad's close_in_min
==========================  ===========================================================================

"First response time", "First reply time" and "Resolution time" without a
unit are read as timestamps when their cells are timestamps and as minutes
when they are durations (:func:`match_ticket_columns` marks them "either").
Freshdesk's ``(in hrs)`` columns count business hours and Zammad's
``*_in_min`` fields count the SLA calendar's business minutes; both are kept
apart from calendar time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from planner import schema
from planner.workbook.text import first_headers

PRIORITIES: tuple[str, ...] = schema.SEVERITIES  # ("Urgent", "High", "Normal", "Low")
CHANNELS: tuple[str, ...] = schema.CHANNELS  # ("Chat", "Phone", "Email/ticket")
EMAIL = "Email/ticket"

TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at")
DURATION_COLUMNS = (
    "first_response_minutes",
    "first_response_business_minutes",
    "resolution_minutes",
    "resolution_business_minutes",
)
CANONICAL_COLUMNS = ("ticket_id", "account_id", "created_at", "first_response_at", "resolved_at", "priority", "channel")
REQUIRED = ("ticket_id", "account_id", "created_at")

PRIORITY_DTYPE = pd.CategoricalDtype(list(PRIORITIES))
CHANNEL_DTYPE = pd.CategoricalDtype(list(CHANNELS))

_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticketid", "id", "ticketnumber", "number", "ticketno", "ticket", "caseid", "casenumber", "requestid"),
    "account_id": (
        "accountid", "crmaccountid", "account", "accountnumber", "organizationexternalid", "organisationexternalid",
        "organization", "organisation", "organizationname", "organisationname", "companyname", "company", "customer",
        "customername", "organizationid", "organisationid", "orgid", "companyid", "customerid",
    ),
    "created_at": (
        "createdat", "created", "createdtime", "createddate", "createdon", "creationdate", "creationtime", "datecreated",
        "createdatutc", "openedat", "opened", "dateopened", "submittedat", "requestedat",
    ),
    "first_response_at": (
        "firstresponseat", "firstrespondedat", "firstreplyat", "firstrepliedat", "initialresponsetime", "initialresponseat",
        "firstresponsedate", "firstreplydate", "firstresponsetimestamp", "firstreplytimestamp",
    ),
    "resolved_at": (
        "solvedat", "resolvedat", "resolvedtime", "resolveddate", "solveddate", "solvedtime", "resolvedon", "dateresolved",
        "resolutiondate", "closeat", "closedat", "closedtime", "closeddate", "closedon", "dateclosed",
    ),
    "priority": ("priority", "priorityid", "priorityname", "severity", "ticketpriority", "urgency", "prio"),
    "channel": ("channel", "via", "viaid", "source", "sourceid", "ticketsource", "createarticletypeid", "createarticletype", "origin"),
}

# duration headers: key -> (canonical column, unit of a plain number)
_DURATIONS: dict[str, tuple[str, str]] = {}
for _k, _u in (("firstreplytimeinminutes", "minutes"), ("firstresponsetimeinminutes", "minutes"), ("firstreplyminutes", "minutes"),
               ("firstresponseminutes", "minutes"), ("firstreplytimeminutes", "minutes"), ("firstresponsetimeminutes", "minutes"),
               ("firstreplytimecalendarminutes", "minutes"), ("firstreplytimeinhours", "hours"),
               ("firstresponsetimeinhours", "hours"), ("firstresponsehours", "hours"), ("firstreplytimeinseconds", "seconds"),
               ("firstresponsetimeinseconds", "seconds")):
    _DURATIONS[_k] = ("first_response_minutes", _u)
for _k, _u in (("firstreplytimeinminuteswithinbusinesshours", "minutes"), ("firstresponsetimeinminuteswithinbusinesshours", "minutes"),
               ("firstreplytimebusinessminutes", "minutes"), ("firstresponsebusinessminutes", "minutes"),
               ("firstresponsetimebusinessminutes", "minutes"), ("firstresponsetimeinhrs", "hours"),
               ("firstresponseinmin", "minutes"), ("firstresponsetimeinbusinesshours", "hours")):
    _DURATIONS[_k] = ("first_response_business_minutes", _u)
for _k, _u in (("fullresolutiontimeinminutes", "minutes"), ("resolutiontimeinminutes", "minutes"), ("fullresolutionminutes", "minutes"),
               ("resolutionminutes", "minutes"), ("resolutiontimeminutes", "minutes"), ("firstresolutiontimeinminutes", "minutes"),
               ("resolutiontimeinhours", "hours"), ("resolutionhours", "hours")):
    _DURATIONS[_k] = ("resolution_minutes", _u)
for _k, _u in (("fullresolutiontimeinminuteswithinbusinesshours", "minutes"),
               ("resolutiontimeinminuteswithinbusinesshours", "minutes"),
               ("firstresolutiontimeinminuteswithinbusinesshours", "minutes"), ("resolutionbusinessminutes", "minutes"),
               ("resolutiontimeinhrs", "hours"), ("closeinmin", "minutes")):
    _DURATIONS[_k] = ("resolution_business_minutes", _u)

# names that may hold a timestamp or a duration: the cells decide
_EITHER = {"firstresponsetime": "first_response", "firstreplytime": "first_response", "resolutiontime": "resolution"}


def header_key(text: object) -> str:
    """A header as compared: lower case, letters and digits only ("First reply time (in hrs)" -> "firstreplytimeinhrs")."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


def match_ticket_columns(headers: Iterable[str]) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """Map raw headers to canonical columns.

    Returns ({canonical: (raw header, how)}, [(repeated header, first header)]);
    ``how`` is "text" for id/account/priority/channel, "time" for timestamps,
    a unit ("minutes", "hours", "seconds") for durations, or "either:<family>"
    for a header whose cells decide.
    """
    best: dict[str, tuple[int, str, str]] = {}
    firsts, repeats = first_headers(headers, header_key)
    for h, k in firsts:
        for canon, aliases in _ALIASES.items():
            if k in aliases:
                rank = aliases.index(k)
                how = "time" if canon in TIME_COLUMNS else "text"
                if canon not in best or rank < best[canon][0]:
                    best[canon] = (rank, h, how)
        if k in _DURATIONS:
            canon, unit = _DURATIONS[k]
            rank = list(_DURATIONS).index(k)
            if canon not in best or rank < best[canon][0]:
                best[canon] = (rank, h, unit)
        if k in _EITHER:
            key = "either:" + _EITHER[k]
            if key not in best:
                best[key] = (0, h, key)
    return {c: (h, how) for c, (_, h, how) in best.items()}, repeats


def used_headers(headers: Iterable[str]) -> set[str]:
    """The headers a ticket export's cleaning reads (the only columns converted)."""
    found, _ = match_ticket_columns(headers)
    return {h for h, _ in found.values()}
