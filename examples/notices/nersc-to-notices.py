#!/usr/bin/env python3
"""NERSC's status (Superfacility API v1.2) as a motd-status notices file (docs/notices.md).

    api=https://api.nersc.gov/api/v1.2
    curl -fsS "$api/status" >status.json
    curl -fsS "$api/status/outages/planned" >planned.json
    python3 nersc-to-notices.py status.json planned.json >notices.json

A system whose status is degraded or unavailable is an incident, open while it is so; a planned
outage is a maintenance (a cancelled one is left out, a completed one is resolved). The names
affected are the systems' names ("perlmutter"), as the clusters' names may give them.
"""

import json
import sys


def incidents(systems):
    for s in systems:
        if s.get("status") not in ("degraded", "unavailable") or not s.get("updated_at"):
            continue
        notice = {
            "id": f"{s['name']}-status",
            "title": f"{s.get('full_name') or s['name']}: {s.get('description') or s['status']}",
            "kind": "incident",
            "impact": "major" if s["status"] == "unavailable" else "minor",
            "start": s["updated_at"],
            "affects": [s["name"]],
        }
        if s.get("notes"):
            notice["body"] = " ".join(s["notes"])
        yield notice


def maintenances(planned):
    # One list of outages per system.
    for outage in (o for per_system in planned for o in per_system):
        if outage.get("status") == "Cancelled" or not outage.get("start_at"):
            continue
        notice = {
            "id": f"{outage['name']}-{outage['start_at']}",
            "title": outage.get("description") or f"{outage['name']} outage",
            "kind": "maintenance",
            "start": outage["start_at"],
            "affects": [outage["name"]],
        }
        if outage.get("end_at"):
            notice["end"] = outage["end_at"]
        if outage.get("notes"):
            notice["body"] = outage["notes"]
        if outage.get("status") == "Completed":
            notice["resolved"] = outage.get("end_at") or outage["start_at"]
        yield notice


def main(status_path, planned_path):
    with open(status_path, encoding="utf-8") as f:
        systems = json.load(f)
    with open(planned_path, encoding="utf-8") as f:
        planned = json.load(f)
    notices = list(incidents(systems)) + list(maintenances(planned))
    json.dump({"name": "NERSC", "notice": notices}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(*sys.argv[1:])
