# hooks.sh - sourced by bench/run.sh, bench/threads.sh and bench/drain.sh: the webhook endpoints of the bench organization.

# hooks_clear PARLEY DB - deletes every webhook endpoint of organization Bench in DB (with its deliveries and
# events) through PARLEY's CLI
hooks_clear() {
    "$1" webhook list --org Bench --db "$2" | sed -n 's/^{"id":"\([0-9a-f-]*\)".*/\1/p' |
        while read -r id; do "$1" webhook delete --id "$id" --db "$2" >/dev/null; done
}
