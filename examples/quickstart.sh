#!/bin/sh
# Runs motd-status on the bundled sample page, with no network: the fetcher reads
# examples/sample-page into target/quickstart/status.json, then the login view of a node of
# the "Alpha" cluster is shown, then the whole page. The sample page is a snapshot, so the
# clock is pinned to its morning.
set -eu
cd "$(dirname "$0")/.."
cargo build --quiet --bins
bin=${CARGO_TARGET_DIR:-target}/debug
mkdir -p target/quickstart
export MOTD_STATUS_NOW="${MOTD_STATUS_NOW:-2026-11-26T09:30:00+01:00}"
export TZ="${TZ:-Europe/Berlin}"
"$bin/motd-status-fetch" --config examples/config.toml
echo "\$ motd-status --hostname alpha-login1        (what a user of Alpha sees at login)"
"$bin/motd-status" --cache target/quickstart/status.json --hostname alpha-login1 --color "${COLOR:-auto}"
echo
echo "\$ motd-status --all"
"$bin/motd-status" --cache target/quickstart/status.json --all --color "${COLOR:-auto}"
