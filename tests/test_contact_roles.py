"""Contact roles reached: the contact's title on activities (contact_role), mapped to the roles the segments
target (segments.yaml contacts:), in the coverage report and the PAM. Every figure is worked out by hand.

The workspace is the example's plan with a small accounts export and a small activities export, read as of
2027-03-15 (period ytd: 2027-01-01 to 2027-03-15). rep-n1's criteria (area north-west) target K1 and K2
(segment A: energy, >= 1,000 employees; contacts CIO, CDO, CFO), M1 and M2 (segment B: >= 200 employees;
contacts CIO, IT manager) and S1 (segment C; contacts owner, IT manager).
"""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-03-15"

DATA = """data:
  accounts:
    path: data/accounts.csv
    columns: {id: id, name: name, status: type}
  activities:
    path: data/activities.csv
    columns: {owner: owner, account: account, type: type, date: date, status: status, contact_role: title}
  attributes: {employees: employees, industry: industry, region: region, area: area}
  mapping:
    statuses: {Client: customer, Prospect: prospect}
    actions: {Call: call, Meeting: meeting}
    contact_roles: {"Chief Information Officer": CIO, DSI: CIO, "Directeur financier": CFO}
"""

ACCOUNTS = """id,name,type,employees,industry,region,area
K1,Kilo One,Client,5000,energy,north,north-west
K2,Kilo Two,Prospect,2000,energy,north,north-west
M1,Mike One,Client,500,retail,north,north-west
M2,Mike Two,Prospect,300,retail,north,north-west
S1,Sierra One,Prospect,10,retail,north,north-west
"""

# line 2: K1's CIO through the mapping; line 3: K1's CFO (the mapping is case-insensitive); line 4: a title that
# maps to no role (kept: K2 is touched, no role reached); line 5: an open to-do (not done: no role);
# line 6: M1's CIO (trimmed); line 7: last fiscal year; line 8: after the as-of day; line 9: another rep;
# line 10: no title; line 11: no account.
ACTIVITIES = """owner,account,type,date,status,title
rep-n1,K1,Meeting,2027-02-01,done,Chief Information Officer
rep-n1,K1,Call,2027-02-10,done,directeur FINANCIER
rep-n1,K2,Call,2027-02-11,done,Office manager
rep-n1,K2,Meeting,2027-03-01,open,DSI
rep-n1,M1,Call,2027-01-20,done,  DSI
rep-n1,M2,Call,2026-12-15,done,CIO
rep-n1,M2,Call,2027-03-20,done,IT manager
rep-e2,K1,Meeting,2027-02-02,done,CDO
rep-n1,S1,Call,2027-02-03,done,
rep-n1,,Call,2027-02-04,done,CFO
"""


@pytest.fixture
def roles_ws(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    text = ws.text("salesplan.yaml")
    start = text.index("data:\n")
    end = text.index("\nthresholds:")
    ws.write("salesplan.yaml", text[:start] + DATA + text[end:])
    ws.write("data/accounts.csv", ACCOUNTS)
    ws.write("data/activities.csv", ACTIVITIES)
    return ws
