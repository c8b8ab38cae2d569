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
| [.sources | to_entries[] | .key as $si | (.value.provider == "notices") as $nt | .value.items[]
   | (if .kind == "incident" then
        if (.status | IN("resolved", "postmortem", "completed")) then
          (if ((.resolved_at // .updated_at) | t) as $a | $a and $a >= $now - $st.recent_seconds
           then 3 else null end)
        elif .status == "notice" then
          # A site's notice: from its start until its end.
          (.scheduled_for | t) as $s | (.scheduled_until | t) as $e
          | if ($s == null or $s <= $now) and (($e and $e <= $now) | not) then 0 else null end
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
          else (.scheduled_for | t // 0) end | floor), name, id, ids: [$ids[] | "\($si) \(.)"],
      st: (if $nt then "" else " (\(.status | gsub("_"; " ")))" end),
      w: (if $sec == 0 and .status == "notice" then "notice"
          else ["incident", "maintenance", "maintenance", "resolved"][$sec] end),
      mark: (if $sec == 0 then {critical: "CRITICAL", major: "MAJOR", minor: "MINOR"}[.impact] // "NOTICE"
             else ["", "MAINT", "PLANNED", "RESOLVED"][$sec] end)}] as $items
| ([$items[].ids[] | {(.): true}] | add // {}) as $named
| ($items + [.sources | to_entries[] | .key as $si | .value.components[]
   | select($cov["\($si) \(.id)"] and (.status | IN("operational", "") | not)
            and ($named["\($si) \(.id)"] | not))
   | {sec: 4, r: -({major_outage: 4, partial_outage: 3, degraded_performance: 2,
                    under_maintenance: 1}[.status] // 0), k: 0, id,
      st: " (\(.status | gsub("_"; " ")))",
      w: (if (.status | IN("major_outage", "partial_outage", "under_maintenance")) then .status
          else "degraded_performance" end),
      name: (if .group and (.group | ascii_downcase) != (.name | ascii_downcase)
             then "\(.group) / \(.name)" else .name end),
      mark: ({major_outage: "OUTAGE", partial_outage: "PARTIAL",
              under_maintenance: "MAINT"}[.status] // "DEGRADED")}]
   | sort_by([.sec, .r, .k, .name, .id])) as $all
| select($st.login and ($all | length > 0))
| [["incident", "incident", "incidents"], ["notice", "notice", "notices"],
   ["maintenance", "maintenance", "maintenances"], ["resolved", "resolved", "resolved"],
   ["major_outage", "outage", "outages"], ["partial_outage", "partial outage", "partial outages"],
   ["degraded_performance", "degraded", "degraded"],
   ["under_maintenance", "under maintenance", "under maintenance"]] as $words
| ($cl.more // 0) as $more
| "Status of \($cl.name // "this host"): " + ([$words[] as [$w, $one, $many]
    | ([$all[] | select(.w == $w)] | length) as $n | select($n > 0)
    | "\($n) \(if $n == 1 then $one else $many end)"] | join(", "))
    + (if $more > 0 then " and \($more) more" else "" end),
  ($all[:$st.max_items][] | "  \(.mark + "          " | .[:10])\(.name)\(.st)"),
  (([($all | length) - $st.max_items, 0] | max) + $more | select(. > 0) | "… and \(.) more: motd-status"),
  "Details: \([.sources[].url] | join(" ")) · every cluster: motd-status --all"
