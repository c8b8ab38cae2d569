# What a sysadmin might write instead of `motd-status --login`: the same selection in jq.
# jq -r --arg host HOST --argjson now EPOCH_SECONDS -f bench/select.jq CACHE
# Prints the same lines as motd-status's first line of each entry, plain (see select.py).
def t: if . then sub("\\.[0-9]+"; "") | fromdateiso8601 else null end;
def glob($h): ascii_downcase | gsub("(?<c>[.+^$(){}|\\[\\]\\\\])"; "\\\(.c)")
  | gsub("\\*"; ".*") | gsub("\\?"; ".") | ("^" + . + "$") as $re
  | ($h | test($re)) or (($re | contains("\\.") | not) and ($h | split(".")[0] | test($re)));
.settings as $st | ($host | ascii_downcase) as $h
| (first(.clusters[] | select(any(.hosts[]; glob($h)))) // null) as $cl
| ([$cl // {} | .components[]? | "\(.source) \(.id)"] | map({(.): true}) | add // {}) as $cov
| [.sources | to_entries[] | .key as $si | .value.items[]
   | (if .kind == "incident" then
        if (.status | IN("resolved", "postmortem", "completed")) then
          (if ((.resolved_at // .updated_at) | t) as $a | $a and $a >= $now - $st.recent_seconds
           then 3 else null end)
        else 0 end
      elif (.status | IN("in_progress", "verifying")) then 1
      elif (.status | IN("completed", "cancelled")) then null
      else (.scheduled_for | t) as $s | (.scheduled_until | t) as $e
        | if $s == null or ($e and $e <= $now) then null
          elif $s <= $now and .status != "scheduled" then 1
          elif $s <= $now + $st.upcoming_seconds then 2 else null end
      end) as $sec
   | select($sec != null)
   | [.components[] | select($cov["\($si) \(.)"])] as $ids
   | select(($ids | length > 0) or ((.components | length == 0) and $st.show_unscoped))
   | {sec: $sec, r: -({critical: 4, major: 3, minor: 2, maintenance: 1}[.impact] // 0),
      k: (if $sec == 0 then -(.started_at | t // 0) elif $sec == 3 then -(.resolved_at | t // 0)
          else (.scheduled_for | t // 0) end | floor), name, status, ids: [$ids[] | "\($si) \(.)"],
      mark: (if $sec == 0 then {critical: "CRITICAL", major: "MAJOR", minor: "MINOR"}[.impact] // "NOTICE"
             else ["", "MAINT", "PLANNED", "RESOLVED"][$sec] end)}] as $items
| ([$items[].ids[] | {(.): true}] | add // {}) as $named
| ($items + [.sources | to_entries[] | .key as $si | .value.components[]
   | select($cov["\($si) \(.id)"] and (.status | IN("operational", "") | not)
            and ($named["\($si) \(.id)"] | not))
   | {sec: 4, r: -({major_outage: 4, partial_outage: 3, degraded_performance: 2,
                    under_maintenance: 1}[.status] // 0), k: 0, status,
      name: (if .group and (.group | ascii_downcase) != (.name | ascii_downcase)
             then "\(.group) / \(.name)" else .name end),
      mark: ({major_outage: "OUTAGE", partial_outage: "PARTIAL",
              under_maintenance: "MAINT"}[.status] // "DEGRADED")}]
   | sort_by([.sec, .r, .k, .name])) as $all
| select($st.login and ($all | length > 0))
| [[0], [1, 2], [3], [4]] as $groups | ["incident", "maintenance", "resolved", "degraded"] as $one
| ["incidents", "maintenances", "resolved", "degraded"] as $many
| ($cl.more // 0) as $more
| "Status of \($cl.name // "this host"): " + ([range(4) as $i
    | ([$all[] | select(.sec | IN($groups[$i][]))] | length) as $n | select($n > 0)
    | "\($n) \(if $n == 1 then $one[$i] else $many[$i] end)"] | join(", "))
    + (if $more > 0 then " and \($more) more" else "" end),
  ($all[:$st.max_items][] | "  \(.mark + "          " | .[:10])\(.name) (\(.status | gsub("_"; " ")))"),
  (([($all | length) - $st.max_items, 0] | max) + $more | select(. > 0) | "… and \(.) more: motd-status --all"),
  "Details: \([.sources[].url] | join(" ")) · every cluster: motd-status --all"
