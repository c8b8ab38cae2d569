#!/usr/bin/env python3
"""What a sysadmin might write instead of `motd-status --login`: the same selection in Python.

Reads the cache motd-status-fetch wrote, finds the first cluster whose host globs match the
host, keeps the items in their windows that concern it (and its degraded components), sorts
them the way motd-status does and prints the first line of each entry, plain. The benchmark
checks that these lines equal motd-status's own, so the comparison is like for like.

Usage: select.py CACHE HOST   (the clock is MOTD_STATUS_NOW when set, else now)
"""

import fnmatch
import json
import os
import sys
from datetime import datetime, timedelta, timezone


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


def section(item, st, now):
    status = item["status"]
    if item["kind"] == "incident":
        if status in ("resolved", "postmortem", "completed"):
            at = ts(item.get("resolved_at") or item.get("updated_at"))
            ok = at and at >= now - timedelta(seconds=st["recent_seconds"])
            return 3 if ok else None
        if status == "notice":  # a site's notice: from its start until its end
            start, end = ts(item.get("scheduled_for")), ts(item.get("scheduled_until"))
            return 0 if (start is None or start <= now) and not (end and end <= now) else None
        return 0
    if status in ("in_progress", "verifying"):
        return 1
    if status in ("completed", "cancelled"):
        return None
    start, end = ts(item.get("scheduled_for")), ts(item.get("scheduled_until"))
    if start is None or (end and end <= now):
        return None
    if start <= now and status != "scheduled":
        return 1
    return 2 if start <= now + timedelta(seconds=st["upcoming_seconds"]) else None


IMPACT = {"critical": 4, "major": 3, "minor": 2, "maintenance": 1}
COMP = {"major_outage": 4, "partial_outage": 3, "degraded_performance": 2, "under_maintenance": 1}
MARK = [{"critical": "CRITICAL", "major": "MAJOR", "minor": "MINOR"}, "MAINT", "PLANNED", "RESOLVED"]
CMARK = {"major_outage": "OUTAGE", "partial_outage": "PARTIAL", "under_maintenance": "MAINT"}
# What the first line counts, in its order: (one, many).
WORDS = {
    "incident": ("incident", "incidents"), "notice": ("notice", "notices"),
    "maintenance": ("maintenance", "maintenances"), "resolved": ("resolved", "resolved"),
    "major_outage": ("outage", "outages"), "partial_outage": ("partial outage", "partial outages"),
    "degraded_performance": ("degraded", "degraded"),
    "under_maintenance": ("under maintenance", "under maintenance"),
}


def main():
    path, host = sys.argv[1], sys.argv[2].lower()
    env_now = os.environ.get("MOTD_STATUS_NOW")
    now = ts(env_now) if env_now else datetime.now(timezone.utc)
    cache = json.load(open(path, encoding="utf-8"))
    st = cache["settings"]
    short = host.split(".")[0]
    cluster = next(
        (c for c in cache["clusters"] for p in c["hosts"]
         if fnmatch.fnmatchcase(host, p.lower())
         or ("." not in p and fnmatch.fnmatchcase(short, p.lower()))),
        None,
    )
    covered = {(r["source"], r["id"]) for r in cluster["components"]} if cluster else set()
    entries, named = [], set()
    for si, src in enumerate(cache["sources"]):
        # A notices file's items show no status: their window is their status.
        notices = src.get("provider") == "notices"
        for it in src["items"]:
            sec = section(it, st, now)
            if sec is None:
                continue
            ids = [i for i in it["components"] if (si, i) in covered]
            if not ids and not (not it["components"] and st["show_unscoped"]):
                continue
            named.update((si, i) for i in ids)
            t = {0: "started_at", 3: "resolved_at"}.get(sec, "scheduled_for")
            secs = int(ts(it[t]).timestamp()) if it.get(t) else 0
            key = -secs if sec in (0, 3) else secs
            mark = MARK[0].get(it["impact"], "NOTICE") if sec == 0 else MARK[sec]
            status = "" if notices else f" ({it['status'].replace('_', ' ')})"
            word = "notice" if sec == 0 and it["status"] == "notice" else (
                ["incident", "maintenance", "maintenance", "resolved"][sec])
            entries.append(
                (sec, -IMPACT.get(it["impact"], 0), key, it["name"], mark, status, word, it["id"]))
        for c in src["components"]:
            k = (si, c["id"])
            if k in covered and c["status"] not in ("operational", "") and k not in named:
                g = c.get("group")
                name = f"{g} / {c['name']}" if g and g.lower() != c["name"].lower() else c["name"]
                mark = CMARK.get(c["status"], "DEGRADED")
                state = c["status"] if c["status"] in CMARK else "degraded_performance"
                status = f" ({c['status'].replace('_', ' ')})"
                entries.append((4, -COMP.get(c["status"], 0), 0, name, mark, status, state, c["id"]))
    if not st["login"] or not entries:
        return
    # Then by name and id, as motd-status: an event on a page and in a notices file shows twice.
    entries.sort(key=lambda e: e[:4] + e[7:])
    n = {w: sum(e[6] == w for e in entries) for w in WORDS}
    counts = ", ".join(f"{k} {WORDS[w][k != 1]}" for w, k in n.items() if k)
    more = cluster.get("more", 0) if cluster else 0
    out = [f"Status of {cluster['name'] if cluster else 'this host'}: {counts}"
           + (f" and {more} more" if more else "")]
    shown = entries[: st["max_items"]]
    for e in shown:
        out.append(f"  {e[4]:<10}{e[3]}{e[5]}")
    if len(entries) - len(shown) + more > 0:
        out.append(f"… and {len(entries) - len(shown) + more} more: motd-status")
    urls = " ".join(s["url"] for s in cache["sources"])
    out.append(f"Details: {urls} · every cluster: motd-status --all")
    print("\n".join(out))


main()
