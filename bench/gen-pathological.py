#!/usr/bin/env python3
"""Writes a pathological Statuspage v2 page for the benchmark, in the real API's shape.

2 000 component rows (100 groups of 19 components), 500 incidents with four long updates each
(Markdown, HTML, escape sequences, non-ASCII), 200 scheduled maintenances, spread around NOW so
that every window of the cache has work in it while most of the page is out of the windows, as
on a real busy page. Also writes clusters.toml: 20 clusters of 5 groups each, hosts cNN-login*.
The output is the same for the same arguments (fixed seed).

Usage: gen-pathological.py OUT_DIR [NOW]   (NOW: RFC 3339, default 2026-11-26T09:30:00+01:00)
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

GROUPS, PER_GROUP, INCIDENTS, MAINTENANCES, CLUSTERS = 100, 19, 500, 200, 20
PAGE = {
    "id": "pathological",
    "name": "Pathological HPC Status",
    "url": "https://status.pathological.example.org",
    "time_zone": "Europe/Berlin",
}
WORDS = (
    "scheduler storage filesystem Lustre GPFS network InfiniBand login node compute GPU "
    "partition queue jobs latency degraded restored vendor firmware upgrade reboot rack "
    "switch controller metadata target quota backup archive tape portal authentication"
).split()
ODD = ["Überwachung", "réseau", "計算ノード", "Störung", "façade", "😀"]

rng = random.Random(20261126)
out = Path(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2] if len(sys.argv) > 2 else "2026-11-26T09:30:00+01:00")
now = now.astimezone(timezone.utc)


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def rid(prefix, n):
    return f"{prefix}{n:0{12 - len(prefix)}d}"


def sentence(n):
    return " ".join(rng.choice(WORDS + ODD) for _ in range(n)).capitalize() + "."


def body():
    """About 1.5 kB of the mixed text pages really send."""
    parts = [sentence(20), "**Impact:** " + sentence(15), "<p>" + sentence(25) + "</p>",
             "* " + sentence(10) + "\n* " + sentence(10), "\x1b[31m" + sentence(12) + "\x1b[0m",
             "<a href=\"https://status.pathological.example.org/x\">" + sentence(8) + "</a>",
             sentence(30)]
    return "\n\n".join(parts)


groups, children = [], []
for g in range(GROUPS):
    gid = rid("grp", g)
    kids = [rid(f"c{g:03d}", k) for k in range(PER_GROUP)]
    groups.append({"id": gid, "name": f"Group {g:03d} {rng.choice(WORDS)}", "components": kids})
    for k, cid in enumerate(kids):
        status = "operational"
        if rng.random() < 0.03:
            status = rng.choice(["degraded_performance", "partial_outage", "major_outage",
                                 "under_maintenance"])
        children.append({"id": cid, "name": f"{rng.choice(WORDS).capitalize()} {k:02d}"
                         f"{' ' + rng.choice(ODD) if rng.random() < 0.1 else ''}",
                         "status": status, "group_id": gid})


def component_row(c, group):
    created = iso(now - timedelta(days=900))
    row = {"id": c["id"], "name": c["name"], "status": c.get("status", "operational"),
           "created_at": created, "updated_at": iso(now - timedelta(hours=3)),
           "position": 1, "description": None, "showcase": not group, "start_date": None,
           "group_id": c.get("group_id"), "page_id": PAGE["id"], "group": group,
           "only_show_if_degraded": False}
    if group:
        row["components"] = c["components"]
    return row


components = []
for g, grp in enumerate(groups):
    degraded = any(c["status"] != "operational" for c in children[g * PER_GROUP:(g + 1) * PER_GROUP])
    components.append(component_row(dict(grp, status="degraded_performance" if degraded
                                          else "operational"), True))
    components.extend(component_row(c, False) for c in children[g * PER_GROUP:(g + 1) * PER_GROUP])
by_id = {c["id"]: c for c in components}


def incident(iid, name, status, impact, created, resolved, comps, maint=None):
    updates = []
    for u in range(4):
        at = created + timedelta(minutes=40 * u)
        updates.append({
            "id": f"{iid[:8]}u{u:03d}", "status": status if u == 0 else "investigating",
            "body": body(), "incident_id": iid, "created_at": iso(at), "updated_at": iso(at),
            "display_at": iso(at),
            "affected_components": [{"code": c, "name": by_id[c]["name"],
                                     "old_status": "operational",
                                     "new_status": by_id[c]["status"]} for c in comps],
            "deliver_notifications": True, "custom_tweet": None, "tweet_id": None,
        })
    updates.reverse()
    inc = {"id": iid, "name": name, "status": status,
           "created_at": iso(created), "updated_at": iso(resolved or created + timedelta(hours=2)),
           "monitoring_at": None, "resolved_at": iso(resolved) if resolved else None,
           "impact": impact, "shortlink": f"https://stspg.io/{iid[-8:]}",
           "started_at": iso(created), "page_id": PAGE["id"], "incident_updates": updates,
           "components": [by_id[c] for c in comps], "reminder_intervals": None}
    if maint:
        inc["scheduled_for"], inc["scheduled_until"] = iso(maint[0]), iso(maint[1])
    return inc


def title(n):
    extra = " " + rng.choice(ODD) if rng.random() < 0.1 else ""
    return f"{sentence(n)[:-1]}{extra}"


incidents, unresolved = [], []
for i in range(INCIDENTS):
    created = now - timedelta(hours=3 * i + 1, minutes=rng.randrange(60))
    comps = [c["id"] for c in rng.sample(children, rng.randint(1, 6))]
    if i % 15 == 0:
        status, resolved = rng.choice(["investigating", "identified", "monitoring"]), None
    else:
        status, resolved = "resolved", created + timedelta(hours=rng.randint(1, 5))
    inc = incident(rid("inc", i), title(8), status, rng.choice(["none", "minor", "major",
                                                                "critical"]), created, resolved,
                   comps)
    incidents.append(inc)
    if resolved is None:
        unresolved.append(inc)

maintenances = []
for j in range(MAINTENANCES):
    start = now - timedelta(days=2) + timedelta(hours=12 * j)
    end = start + timedelta(hours=rng.randint(2, 8))
    status = "completed" if end <= now else "in_progress" if start <= now else "scheduled"
    comps = [c["id"] for c in rng.sample(children, rng.randint(1, 8))]
    maintenances.append(incident(rid("mnt", j), "Maintenance: " + title(6), status, "maintenance",
                                 start - timedelta(days=7), None, comps, (start, end)))

api = out / "api" / "v2"
api.mkdir(parents=True, exist_ok=True)
page = dict(PAGE, updated_at=iso(now - timedelta(minutes=5)))
summary = {"page": page, "components": components, "incidents": unresolved,
           "scheduled_maintenances": maintenances,
           "status": {"indicator": "major", "description": "Partial System Outage"}}
(api / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
(api / "incidents.json").write_text(json.dumps({"page": page, "incidents": incidents},
                                               ensure_ascii=False) + "\n")
toml = []
for k in range(CLUSTERS):
    names = ", ".join(json.dumps(groups[k * 5 + g]["name"]) for g in range(5))
    toml.append(f'[[cluster]]\nname = "C{k + 1:02d}"\ngroups = [{names}]\n'
                f'hosts = ["c{k + 1:02d}-login*", "c{k + 1:02d}-node*"]\n')
(out / "clusters.toml").write_text("\n".join(toml))
