# Separate network hosts on one machine, for tests and benchmarks: one
# network namespace per host, each with one interface (eth0) on the private
# subnet 10.213.0.0/24, joined by a bridge in the root namespace that has no
# address of its own. Nothing is routed off the bridge: the subnet exists only
# between these namespaces, and the root namespace gets no address or route.
#
#   source tests/netns_lib.sh
#   netns_available || { echo "skipped: $NETNS_WHY"; exit 0; }
#   trap netns_teardown EXIT          # also removes everything on failure
#   netns_setup shards learner actor0 actor1
#   netns_ip actor0                   # 10.213.0.5 (hosts get .2, .3, ... in order)
#   netns_exec actor0 cmd args...     # runs cmd on that host (waits for it)
#   $(netns_prefix actor0) cmd &      # in the background: $! is cmd's pid
#   netns_link_down actor0; netns_link_up actor0   # pull and replug its cable
#
# Names carry this shell's pid (namespaces "hn<pid>-<address>", bridge
# "hn<pid>br", veths "hn<pid>h<i>"/"hn<pid>n<i>"), so runs side by side do not
# collide, and netns_setup removes what an earlier run that was killed
# (its pid gone) left behind. A namespace is named after its host's address,
# so a command prefix can name it from the address alone:
# "$NETNS_IP_BIN netns exec ${NETNS_PREFIX}{host}" (proto/run.proto's
# Placement.exec_prefix).
#
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2.

NETNS_SUBNET=10.213.0
NETNS_IP_BIN=$(command -v ip 2>/dev/null || echo /usr/sbin/ip)
NETNS_ID=$$
NETNS_PREFIX="hn${NETNS_ID}-"
NETNS_BRIDGE="hn${NETNS_ID}br"
NETNS_WHY=""
declare -A NETNS_ADDRESS=()  # host name -> address
declare -A NETNS_NUMBER=()   # host name -> i (its veths' suffix)
NETNS_NAMES=()               # namespaces made, for teardown

# True when namespaces can be made here; otherwise false with NETNS_WHY set.
netns_available() {
  if [[ ! -x "$NETNS_IP_BIN" ]]; then
    NETNS_WHY="iproute2's ip is not installed"
    return 1
  fi
  if [[ $(id -u) -ne 0 ]]; then
    NETNS_WHY="creating network namespaces needs root (CAP_NET_ADMIN); running as uid $(id -u)"
    return 1
  fi
  local probe="${NETNS_PREFIX}probe" out
  if ! out=$("$NETNS_IP_BIN" netns add "$probe" 2>&1); then
    NETNS_WHY="cannot create a network namespace: $out"
    return 1
  fi
  "$NETNS_IP_BIN" netns del "$probe" 2>/dev/null
  if ! out=$("$NETNS_IP_BIN" link add "${NETNS_BRIDGE}" type bridge 2>&1); then
    NETNS_WHY="cannot create a bridge: $out"
    return 1
  fi
  "$NETNS_IP_BIN" link del "${NETNS_BRIDGE}" 2>/dev/null
  return 0
}

# Removes namespaces and bridges of earlier runs whose shell is gone.
netns_remove_stale() {
  local name pid
  while read -r name _; do
    [[ "$name" =~ ^hn([0-9]+)-[0-9.]+$ ]] || continue
    pid=${BASH_REMATCH[1]}
    [[ "$pid" == "$NETNS_ID" ]] && continue
    kill -0 "$pid" 2>/dev/null || "$NETNS_IP_BIN" netns del "$name" 2>/dev/null
  done < <("$NETNS_IP_BIN" netns list 2>/dev/null)
  while read -r name; do
    [[ "$name" =~ ^hn([0-9]+)br$ ]] || continue
    pid=${BASH_REMATCH[1]}
    [[ "$pid" == "$NETNS_ID" ]] && continue
    kill -0 "$pid" 2>/dev/null || "$NETNS_IP_BIN" link del "$name" 2>/dev/null
  done < <("$NETNS_IP_BIN" -o link show type bridge 2>/dev/null | awk -F': ' '{ print $2 }')
}

# netns_setup HOST...: one namespace per host, addresses .2, .3, ... in order.
netns_setup() {
  local ip=$NETNS_IP_BIN host i=0 address ns host_end ns_end
  netns_remove_stale
  "$ip" link add "$NETNS_BRIDGE" type bridge || return 1
  # No IPv6 link-local chatter from the root namespace's side either.
  sysctl -qw "net.ipv6.conf.${NETNS_BRIDGE}.disable_ipv6=1" 2>/dev/null
  "$ip" link set "$NETNS_BRIDGE" up || return 1
  for host in "$@"; do
    i=$((i + 1))
    address="$NETNS_SUBNET.$((i + 1))"
    ns="${NETNS_PREFIX}${address}"
    host_end="hn${NETNS_ID}h$i"
    ns_end="hn${NETNS_ID}n$i"
    "$ip" netns add "$ns" || return 1
    NETNS_NAMES+=("$ns")
    "$ip" link add "$host_end" type veth peer name "$ns_end" || return 1
    "$ip" link set "$ns_end" netns "$ns" || return 1
    "$ip" -n "$ns" link set "$ns_end" name eth0 || return 1
    "$ip" netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    "$ip" -n "$ns" addr add "$address/24" dev eth0 || return 1
    "$ip" -n "$ns" link set lo up || return 1
    "$ip" -n "$ns" link set eth0 up || return 1
    "$ip" link set "$host_end" master "$NETNS_BRIDGE" || return 1
    "$ip" link set "$host_end" up || return 1
    NETNS_ADDRESS[$host]=$address
    NETNS_NUMBER[$host]=$i
  done
}

# Removes every namespace, veth and the bridge netns_setup made, after
# ending what still runs inside them (a namespace, and so its veth, lives on
# while a process does; everything in them was started by this run).
# Idempotent.
netns_teardown() {
  local ns pids
  for ns in "${NETNS_NAMES[@]}"; do
    pids=$("$NETNS_IP_BIN" netns pids "$ns" 2>/dev/null)
    [[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null
  done
  for _ in $(seq 1 50); do
    pids=""
    for ns in "${NETNS_NAMES[@]}"; do
      pids+=$("$NETNS_IP_BIN" netns pids "$ns" 2>/dev/null)
    done
    [[ -z "$pids" ]] && break
    sleep 0.2
  done
  for ns in "${NETNS_NAMES[@]}"; do
    pids=$("$NETNS_IP_BIN" netns pids "$ns" 2>/dev/null)
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    "$NETNS_IP_BIN" netns del "$ns" 2>/dev/null  # Its veth end, and so the pair, go too.
  done
  NETNS_NAMES=()
  "$NETNS_IP_BIN" link del "$NETNS_BRIDGE" 2>/dev/null
  return 0
}

netns_ip() { echo "${NETNS_ADDRESS[$1]}"; }
netns_name() { echo "${NETNS_PREFIX}${NETNS_ADDRESS[$1]}"; }
netns_prefix() { echo "$NETNS_IP_BIN netns exec $(netns_name "$1")"; }
# A proto/run.proto Placement block for a role on these hosts: each process
# started through "ip netns exec <its host's namespace>" and listening at its
# host's address.
netns_placement() {  # hosts...
  local h
  echo "placement {"
  for h in "$@"; do echo "  hosts: \"$(netns_ip "$h")\""; done
  echo "  exec_prefix: [\"$NETNS_IP_BIN\", \"netns\", \"exec\", \"${NETNS_PREFIX}{host}\"]"
  echo "  bind_to_host: true"
  echo "}"
}
netns_exec() {
  local host=$1
  shift
  "$NETNS_IP_BIN" netns exec "$(netns_name "$host")" "$@"
}
netns_link_down() { "$NETNS_IP_BIN" -n "$(netns_name "$1")" link set eth0 down; }
netns_link_up() { "$NETNS_IP_BIN" -n "$(netns_name "$1")" link set eth0 up; }
