# Sourced by the cluster tests: after a run, compares the episodes actors
# were told were stored (actor --ack_log lines "actor_id episode_id
# num_steps") with what the shards hold on disk (deploy/replay_inventory:
# newest checkpoint plus episode log, as a restarted shard would hold them).
#
#   source tests/episode_audit.sh
#   audit_episodes RUN_DIR BIN_DIR ACK_LOG NUM_SHARDS
#
# Writes RUN_DIR/held.txt and sets
#   AUDIT_ACKED          lines in the ack log
#   AUDIT_HELD           episodes the shards hold
#   AUDIT_TWICE_ACKED    (actor, episode) ids acknowledged more than once
#   AUDIT_TWICE_HELD     ids held more than once (over all shards)
#   AUDIT_MISSING        acknowledged episodes not held whole (id and length)
#   AUDIT_UNACKED        held episodes never acknowledged (an actor killed
#                        before its ack arrived, or a length that differs)
#   AUDIT_MISSING_EXAMPLES, AUDIT_UNACKED_EXAMPLES   a few such lines
#   AUDIT_ERRORS         why a shard could not be listed ("" = all listed)
audit_episodes() {  # run dir, bin dir, ack log, shards
  local run_dir=$1 bin_dir=$2 acks=$3 shards=$4 s
  local held="$run_dir/held.txt"
  AUDIT_ERRORS=""
  : >"$held"
  for ((s = 0; s < shards; ++s)); do
    if ! "$bin_dir/deploy/replay_inventory" --checkpoint_dir="$run_dir/replay-$s" \
        --shard_index=$s --num_shards="$shards" >>"$held" 2>"$run_dir/logs/inventory-$s.log"; then
      AUDIT_ERRORS+="cannot list shard $s: $(tail -n 3 "$run_dir/logs/inventory-$s.log"); "
    fi
  done
  [[ -f "$acks" ]] || : >"$acks"
  AUDIT_ACKED=$(wc -l <"$acks")
  AUDIT_HELD=$(wc -l <"$held")
  AUDIT_TWICE_ACKED=$(cut -d' ' -f1,2 "$acks" | sort | uniq -d | wc -l)
  AUDIT_TWICE_HELD=$(cut -d' ' -f1,2 "$held" | sort | uniq -d | wc -l)
  # Whole lines: actor, episode and length must all agree.
  AUDIT_MISSING=$(comm -23 <(sort -u "$acks") <(sort -u "$held") | wc -l)
  AUDIT_UNACKED=$(comm -13 <(sort -u "$acks") <(sort -u "$held") | wc -l)
  AUDIT_MISSING_EXAMPLES=$(comm -23 <(sort -u "$acks") <(sort -u "$held") | head -n 3 | tr '\n' ';')
  AUDIT_UNACKED_EXAMPLES=$(comm -13 <(sort -u "$acks") <(sort -u "$held") | head -n 3 | tr '\n' ';')
}
