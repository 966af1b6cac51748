"""Helpdesk ticket exports as users produce them: Zendesk CSV, Freshdesk "Unicode Text", Zammad Parquet, messy rows.

Every expected instant below is worked by hand from the offset in force (New York is UTC-5 until 8 March 2026 and
UTC-4 after; Berlin UTC+1 until 29 March, UTC+2 after).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planner.errors import UserInputError
from planner.workbook.accounts import MAX_ROW_PROBLEMS
from planner.workbook.ticket_columns import CANONICAL_COLUMNS
from planner.workbook.tickets import clean_tickets, read_tickets

T = pd.Timestamp


def z(text: str) -> pd.Timestamp:
    return T(text, tz="UTC") if T(text).tzinfo is None else T(text).tz_convert("UTC")


ZENDESK = """\
ID,Organization,Created at,Solved at,Priority,Via,First reply time in minutes,First reply time in minutes within business hours,Full resolution time in minutes,Full resolution time in minutes within business hours
1001,ACC-1,2026-03-02 09:00,2026-03-02 12:00,Urgent,Chat,15,15,180,180
1002,ACC-2,2026-03-10T09:00:00-04:00,,High,Phone call (incoming),,,,
1003,ACC-2,2026-03-10T13:00:00Z,2026-03-11 10:00,Normal,Mail,30,30,,
1004,,2026-03-02 09:00,,Normal,Mail,30,30,,
1001,ACC-1,2026-03-02 09:00,,Low,Web form,5,5,,
1005,ACC-3,31/02/2026 10:00,,Normal,Web Widget,,,,
1006,ACC-3,2026-03-05 10:00,2026-03-04 10:00,Blocker-ish,API,,,,
1007,ACC-4,2026-03-05 10:00,2026-03-06 10:00,-,Voicemail,-3,,1:30:00,
"""


@pytest.fixture
def zendesk(tmp_path):
    path = tmp_path / "zendesk_export.csv"
    path.write_text(ZENDESK, encoding="utf-8")
    return read_tickets(path, timezone="America/New_York")


def test_zendesk_csv_gives_the_canonical_columns_and_types(zendesk):
    f = zendesk.frame
    assert tuple(f.columns[:7]) == CANONICAL_COLUMNS
    assert str(f["created_at"].dtype) == "datetime64[ns, UTC]"
    assert f["ticket_id"].dtype == "str" and f["account_id"].dtype == "str"
    assert list(f["priority"].cat.categories) == ["Urgent", "High", "Normal", "Low"]
    assert list(f["channel"].cat.categories) == ["Chat", "Phone", "Email/ticket"]
    assert {"first_response_minutes", "first_response_business_minutes", "resolution_minutes", "resolution_business_minutes"} <= set(f.columns)


def test_zendesk_rows_kept_and_their_values(zendesk):
    f = zendesk.frame.set_index("ticket_id")
    # kept: 1001 (first of two), 1002, 1003, 1007; left out: 1004 (no organization), 1001 again, 1005 (31 February),
    # 1006 (priority "Blocker-ish")
    assert list(f.index) == ["1001", "1002", "1003", "1007"]
    # 1001: naive 09:00 New York on 2 March (EST, UTC-5) -> 14:00Z; first reply 15 min later; solved 12:00 EST -> 17:00Z
    assert f.loc["1001", "created_at"] == z("2026-03-02T14:00Z")
    assert f.loc["1001", "first_response_at"] == z("2026-03-02T14:15Z")
    assert f.loc["1001", "resolved_at"] == z("2026-03-02T17:00Z")
    assert f.loc["1001", "priority"] == "Urgent" and f.loc["1001", "channel"] == "Chat"
    # 1002: written with its own offset (-04:00) -> 13:00Z; no reply, not solved: missing, not zero
    assert f.loc["1002", "created_at"] == z("2026-03-10T13:00Z")
    assert pd.isna(f.loc["1002", "first_response_at"]) and np.isnan(f.loc["1002", "first_response_minutes"])
    assert f.loc["1002", "channel"] == "Phone" and f.loc["1002", "priority"] == "High"
    # 1003: UTC "Z" -> 13:00Z; solved naive 10:00 New York on 11 March (EDT, UTC-4) -> 14:00Z
    assert f.loc["1003", "created_at"] == z("2026-03-10T13:00Z")
    assert f.loc["1003", "resolved_at"] == z("2026-03-11T14:00Z")
    assert f.loc["1003", "channel"] == "Email/ticket"
    # 1007: blank priority counts as Normal; a voicemail is a ticket, not a live call; -3 minutes is not read;
    # 1:30:00 is 90 minutes
    assert f.loc["1007", "priority"] == "Normal" and f.loc["1007", "channel"] == "Email/ticket"
    assert np.isnan(f.loc["1007", "first_response_minutes"]) and f.loc["1007", "resolution_minutes"] == 90
    assert zendesk.rows_read == 8 and zendesk.rows_left_out == 4
    assert list(zendesk.positions) == [0, 1, 2, 7]


def test_zendesk_messages_name_the_file_and_row_and_say_what_happened(zendesk):
    text = [str(p) for p in zendesk.notes]
    assert 'zendesk_export.csv row 6: ID "1001" appears again (first on row 2; this row is left out)' in text
    assert "zendesk_export.csv row 5: Organization is blank (the ticket is left out: it names no account)" in text
    assert any(t.startswith('zendesk_export.csv row 7: Created at "31/02/2026 10:00" is not a date and time') for t in text)
    assert any(t.startswith('zendesk_export.csv row 8: Priority "Blocker-ish" is not a priority') for t in text)
    assert 'zendesk_export.csv row 9: First reply time in minutes "-3" is negative (treated as missing)' in text
    assert "zendesk_export.csv row 9: Priority is blank on 1 ticket (counted as Normal)" in text
    assert any("written without a time zone (read as America/New_York wall-clock time)" in t for t in text)
    assert "zendesk_export.csv: 4 rows of 8 left out (the problems listed above say why)" in text
    # a row left out is named once, for the reason it was left out (1006's resolution before creation is not reported)
    assert not any("row 8: Solved at" in t for t in text)


FRESHDESK_HEADER = ["Ticket ID", "Company Name", "Created time", "Initial response time", "Resolved time", "Priority", "Source",
                    "First response time (in hrs)", "Resolution time (in hrs)"]
FRESHDESK_ROWS = [
    ["7", "Société Générale", "2026-04-01 09:00:00", "2026-04-01 11:30:00", "2026-04-02 09:00:00", "Medium", "Email",
     "02:30:00", "08:00:00"],
    ["8", "Müller GmbH", "2026-04-03 16:00:00", "2026-04-06 10:15:00", "", "Urgent", "Phone", "", ""],
    ["9", "Müller GmbH", "2026-04-03 16:00:00", "", "", "Low", "Chat", "", ""],
]


def test_freshdesk_unicode_text_from_excel(tmp_path):
    # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated, CRLF
    path = tmp_path / "freshdesk.txt"
    lines = ["\t".join(FRESHDESK_HEADER)] + ["\t".join(r) for r in FRESHDESK_ROWS]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    t = read_tickets(path, timezone="Europe/Berlin")
    f = t.frame.set_index("ticket_id")
    assert list(f.index) == ["7", "8", "9"]
    assert list(f["account_id"]) == ["Société Générale", "Müller GmbH", "Müller GmbH"]
    # 09:00 Berlin on 1 April (CEST, UTC+2) -> 07:00Z; the initial response at 11:30 -> 09:30Z
    assert f.loc["7", "created_at"] == z("2026-04-01T07:00Z")
    assert f.loc["7", "first_response_at"] == z("2026-04-01T09:30Z")
    assert f.loc["7", "priority"] == "Normal"  # Freshdesk's Medium
    # "(in hrs)" columns are business hours in HH:MM:SS: 150 and 480 minutes, kept apart from calendar time
    assert f.loc["7", "first_response_business_minutes"] == 150 and f.loc["7", "resolution_business_minutes"] == 480
    assert "first_response_minutes" not in f.columns
    assert f.loc["8", "channel"] == "Phone" and f.loc["9", "channel"] == "Chat" and f.loc["9", "priority"] == "Low"
    assert pd.isna(f.loc["9", "first_response_at"])
    assert t.columns["first_response_at"] == "Initial response time"


def test_latin1_semicolon_csv_and_utf8_with_bom(tmp_path):
    text = "Ticket ID;Company Name;Created time;Priority\n1;Société Générale;2026-04-01 09:00;High\n"
    p1 = tmp_path / "latin.csv"
    p1.write_bytes(text.encode("latin-1"))
    p2 = tmp_path / "bom.csv"
    p2.write_bytes(text.replace(";", ",").encode("utf-8-sig"))
    for p in (p1, p2):
        f = read_tickets(p).frame
        assert f["account_id"].tolist() == ["Société Générale"] and f["ticket_id"].tolist() == ["1"]
        assert f["created_at"].tolist() == [z("2026-04-01T09:00Z")]


def test_zammad_parquet_with_ids_and_sla_minutes(tmp_path):
    table = pa.table({
        "id": pa.array([11, 12, 13, 14], pa.int64()),
        "number": pa.array(["31011", "31012", "31013", "31014"]),
        "organization_id": pa.array([501, 502, None, 501], pa.int64()),
        "created_at": pa.array([T("2026-05-04T08:00:00.123Z"), T("2026-05-04T09:00Z"), T("2026-05-04T09:00Z"), T("2026-05-04T10:00Z")],
                               pa.timestamp("ms", tz="UTC")),
        "first_response_at": pa.array([T("2026-05-04T08:20:00.123Z"), None, None, T("2026-05-04T10:05Z")], pa.timestamp("ms", tz="UTC")),
        "close_at": pa.array([T("2026-05-05T08:00Z"), None, None, None], pa.timestamp("ms", tz="UTC")),
        "priority_id": pa.array([3, 2, 1, 1], pa.int64()),
        "create_article_type_id": pa.array([1, 5, 3, 11], pa.int64()),
        "first_response_in_min": pa.array([20, None, None, 5], pa.int64()),
        "close_in_min": pa.array([480, None, None, None], pa.int64()),
    })
    path = tmp_path / "zammad.parquet"
    pq.write_table(table, path)
    t = read_tickets(path, timezone="Europe/Berlin")
    f = t.frame
    assert f["ticket_id"].tolist() == ["11", "12", "14"]  # "id" is preferred to the display "number"
    assert f["account_id"].tolist() == ["501", "502", "501"]
    assert f["priority"].tolist() == ["High", "Normal", "Low"]  # Zammad priority_id 3, 2, 1
    assert f["channel"].tolist() == ["Email/ticket", "Phone", "Email/ticket"]  # article types 1 email, 5 phone, 11 web
    assert f["created_at"].tolist()[0] == z("2026-05-04T08:00:00.123Z")
    # Zammad's *_in_min count the SLA calendar's business minutes
    assert f["first_response_business_minutes"].tolist()[0] == 20 and f["resolution_business_minutes"].tolist()[0] == 480
    assert "first_response_minutes" not in f.columns
    assert "zammad.parquet record 3: organization_id is blank (the ticket is left out: it names no account)" in [str(p) for p in t.notes]


def test_channel_ids_follow_the_helpdesk_the_header_names():
    raw = pd.DataFrame({"ID": ["1", "2", "3", "4"], "Organization": ["a"] * 4, "Created at": ["2026-01-05 10:00"] * 4,
                        "via_id": [29, 34, 4, 99]})
    t = clean_tickets(raw)
    assert t.frame["channel"].tolist() == ["Chat", "Phone", "Email/ticket", "Email/ticket"]
    assert any("channel codes" in p.message and "99" in p.message for p in t.notes)
    raw2 = raw.rename(columns={"via_id": "Source"}).assign(Source=[7, 3, 1, 2])  # Freshdesk: 7 chat, 3 phone, 1 email, 2 portal
    assert clean_tickets(raw2).frame["channel"].tolist() == ["Chat", "Phone", "Email/ticket", "Email/ticket"]


@pytest.mark.parametrize("value, expected", [
    ("urgent", "Urgent"), ("URGENT", "Urgent"), ("Critical", "Urgent"), ("P1", "Urgent"), ("4", "Urgent"), ("3 high", "High"),
    ("Sev2", "High"), ("2 normal", "Normal"), ("Medium", "Normal"), ("1", "Low"), ("P4", "Low"), ("low", "Low"),
])
def test_priority_names_and_ids(value, expected):
    raw = pd.DataFrame({"ID": ["1"], "Organization": ["a"], "Created at": ["2026-01-05 10:00"], "Priority": [value]})
    assert clean_tickets(raw).frame["priority"].tolist() == [expected]


def test_first_response_time_without_a_unit_is_read_by_its_cells():
    stamps = pd.DataFrame({"ID": ["1"], "Organization": ["a"], "Created at": ["2026-01-05 10:00"],
                           "First response time": ["2026-01-05 10:45"]})
    t = clean_tickets(stamps)
    assert t.frame["first_response_at"].tolist() == [z("2026-01-05T10:45Z")]
    minutes = stamps.assign(**{"First response time": ["45"]})
    t = clean_tickets(minutes)
    assert t.frame["first_response_minutes"].tolist() == [45] and t.frame["first_response_at"].tolist() == [z("2026-01-05T10:45Z")]


def test_a_response_before_the_ticket_was_created_is_treated_as_missing():
    raw = pd.DataFrame({"ID": ["1", "2"], "Organization": ["a", "a"], "Created at": ["2026-01-05 10:00"] * 2,
                        "First response at": ["2026-01-05 09:00", "2026-01-05 10:30"]})
    t = clean_tickets(raw, source="t.csv")
    assert pd.isna(t.frame["first_response_at"][0]) and t.frame["first_response_at"][1] == z("2026-01-05T10:30Z")
    assert "t.csv row 2: First response at is before the ticket was created (treated as missing; the ticket is kept)" in [str(p) for p in t.notes]


def test_problems_of_one_kind_are_listed_for_twenty_rows_then_counted():
    n = 50
    raw = pd.DataFrame({"ID": [str(i) for i in range(n)], "Organization": ["a"] * n,
                        "Created at": ["yesterday"] * (n - 1) + ["2026-01-05 10:00"]})
    t = clean_tickets(raw, source="big.csv")
    bad = [p for p in t.notes if "is not a date and time" in p.message]
    assert len(bad) == MAX_ROW_PROBLEMS
    assert [str(p) for p in t.notes if p.message.startswith("... and")] == [
        "big.csv column Created at: ... and 29 more rows with the same problem "
        "(the ticket is left out; write times as 2026-03-17 14:05 or 2026-03-17T14:05:00Z)"]
    assert len(t.frame) == 1


def test_missing_columns_make_the_file_unusable(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Subject,Requester,Status\nHelp,ann@example.com,open\n", encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        read_tickets(path)
    text = [str(p) for p in err.value.problems]
    assert text == [
        "export.csv row 1: no ticket id column (a column such as Ticket ID / ID / id)",
        "export.csv row 1: no account (organization or company) column (a column such as Organization / Company Name / organization_id / Account ID)",
        "export.csv row 1: no creation time column (a column such as Created at / Created time / created_at)",
    ]


def test_a_file_where_every_row_is_bad_is_unusable(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ID,Organization,Created at\n1,a,soon\n2,,2026-01-01\n", encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        read_tickets(path)
    text = [str(p) for p in err.value.problems]
    assert text[0] == "bad.csv: no ticket could be read: every row is left out (see the problems above)"
    assert 'bad.csv row 2: Created at "soon" is not a date and time (the ticket is left out; write times as 2026-03-17 14:05 or 2026-03-17T14:05:00Z)' in text


@pytest.mark.parametrize("name, content, expected", [
    ("nothing.csv", None, "tickets file not found"),
    ("book.xlsx", b"PK\x03\x04", "is a workbook, not a CSV or Parquet file"),
    ("saved.csv", b"PK\x03\x04rest", "is a workbook saved with a .csv name, not a CSV file"),
    ("empty.csv", b"   \n", "is empty"),
    ("tickets.json", b"[]", "is not a CSV or Parquet file (it ends in .json)"),
    ("broken.parquet", b"PAR1 not really", "cannot be read as a Parquet file"),
])
def test_unreadable_files_say_what_they_are(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserInputError) as err:
        read_tickets(path)
    assert expected in str(err.value)


def test_rows_with_the_wrong_number_of_values_are_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("ID,Organization,Created at\n1,a,2026-01-01\n2,b,2026-01-01,extra\n", encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        read_tickets(path)
    assert str(err.value.problems[0]) == ("ragged.csv row 3: has 4 values but the header has 3 columns "
                                          "(check for an unquoted separator or a missing value in this row)")


def test_an_export_with_a_header_only_is_read_as_no_tickets(tmp_path):
    path = tmp_path / "none.csv"
    path.write_text("ID,Organization,Created at\n", encoding="utf-8")
    t = read_tickets(path)
    assert len(t.frame) == 0 and list(t.frame.columns[:7]) == list(CANONICAL_COLUMNS)
    assert any("lists no tickets" in p.message for p in t.notes)


def test_a_table_whose_cells_mix_types_as_a_sheet_gives_them():
    raw = pd.DataFrame({"ID": [1, "2", 3.0], "Organization": ["a", 17, "c"], "Created at": ["2026-01-05 10:00"] * 3,
                        "First reply time in minutes": [5, "7", None], "Priority": [1, "High", None]})
    f = clean_tickets(raw).frame
    assert f["ticket_id"].tolist() == ["1", "2", "3"] and f["account_id"].tolist() == ["a", "17", "c"]
    assert f["first_response_minutes"].tolist()[:2] == [5.0, 7.0] and np.isnan(f["first_response_minutes"][2])
    assert f["priority"].tolist() == ["Low", "High", "Normal"]  # 1 is Freshdesk's and Zammad's Low; blank is Normal
