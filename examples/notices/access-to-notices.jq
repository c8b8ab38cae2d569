# The ACCESS Operations API's outages as a motd-status notices file (docs/notices.md).
#
#   api=https://operations-api.access-ci.org/wh2/news/v1/affiliation/access-ci.org
#   curl -fsS "$api/current_outages/" >current.json
#   curl -fsS "$api/future_outages/" >future.json
#   jq -s -f access-to-notices.jq current.json future.json >notices.json
#
# Each outage is a window (OutageStart to OutageEnd): a maintenance. Its AffectedResources'
# ResourceIDs are the names it affects; to give them the names your clusters use, add
# --argjson names '{"delta.ncsa.access-ci.org": "Delta"}'.
($ARGS.named.names // {}) as $names
| {
    name: "ACCESS outages",
    notice: [
      [.[].results[]] | unique_by(.URN)[]
      | {
          id: .URN,
          title: .Subject,
          kind: "maintenance",
          start: .OutageStart,
          end: .OutageEnd,
          impact: {"Full": "major", "Partial": "minor", "Degraded": "minor"}[.OutageType],
          affects: [.AffectedResources[]?.ResourceID | $names[.] // .],
          body: .Content
        }
      # JSON's null and empty lists mean "not set": the notices file leaves such keys out.
      | with_entries(select(.value != null and .value != [] and .value != ""))
    ]
  }
