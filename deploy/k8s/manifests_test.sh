#!/usr/bin/env bash
# What can be tested of the Kubernetes deployment without a cluster (there
# is none here): manifests generated from a run description (2 shards, 3
# actors, a CUDA learner, TLS) parse with a real YAML parser, every container
# argument is a flag of its binary (--helpfull), every address names a
# declared Service and port (deploy/k8s/check_manifests.py); a run without TLS
# or --insecure is refused; and the image's build context holds everything
# the Dockerfile copies.
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the cases.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
GENERATE="$runfiles/deploy/k8s/generate_manifests"
failures=0
case_result() {  # name, why ("" = passed)
  echo "[ RUN      ] K8sManifests.$1"
  if [[ -z "$2" ]]; then
    echo "[       OK ] K8sManifests.$1 (0 ms)"
  else
    echo "  $2"
    echo "[  FAILED  ] K8sManifests.$1 (0 ms)"
    failures=$((failures + 1))
  fi
}

# A flag value with every character YAML could misread, and its text-format
# escape.
TRICKY='/var/log/hem/acks: "#1" \ tab	end'
escaped=${TRICKY//\\/\\\\}
escaped=${escaped//\"/\\\"}
escaped=${escaped//$'\t'/\\t}
"$runfiles/deploy/make_credentials.sh" "$tmp/credentials" >/dev/null || exit 1
cat >"$tmp/run.textproto" <<TEXT
env: "flip_bit:k=10"
run_dir: "/runs/k8s"
replay { role { count: 2 resources { cpus: 2 memory_mb: 8192 } } }
learner { device: "cuda" }
actors { role { count: 3 extra_flags: "--ack_log=$escaped" } envs_per_actor: 16 }
evaluator { role { extra_flags: "--eval_deterministic=false" } }
network { tls: true }
kubernetes { namespace: "hem-test" image: "registry.example/hem:1" }
TEXT
out="$tmp/k8s"
if ! generated=$("$GENERATE" --run="$tmp/run.textproto" --out="$out" \
    --credentials_dir="$tmp/credentials" 2>&1); then
  case_result ParseAsYaml "generate_manifests failed: $generated"
  exit 1
fi
echo "$generated"
/usr/bin/python3 "$runfiles/deploy/k8s/check_manifests.py" "$out/hem.yaml" \
    --bin_dir="$runfiles" --entrypoint="$runfiles/deploy/k8s/actor_entrypoint.sh" \
    --secret="$out/credentials.yaml" --shards=2 --actors=3 --gpus=1 --namespace=hem-test \
    --actor_arg="--ack_log=$TRICKY" || failures=$((failures + 1))
why=""
[[ $(stat -c %a "$out/credentials.yaml") == 600 ]] || why="credentials.yaml is mode $(stat -c %a "$out/credentials.yaml"), not 600"
case_result SecretFileIsPrivate "$why"

# Plaintext on every pod's interfaces is refused, naming the field.
sed 's/network { tls: true }/network { }/' "$tmp/run.textproto" >"$tmp/plain.textproto"
refused=$("$GENERATE" --run="$tmp/plain.textproto" --out="$tmp/plain" 2>&1)
rc=$?
why=""
if [[ $rc -eq 0 ]]; then
  why="generated manifests for a run without TLS: $refused"
elif ! grep -q "network.tls" <<<"$refused"; then
  why="the refusal does not name network.tls: $refused"
fi
case_result RefusesPlaintextBeyondLoopback "$why"

# The image: Debian 12, install_deps.sh's own list, and a context that holds
# every COPY source.
context="$tmp/context"
why=""
if ! staged=$("$runfiles/deploy/k8s/build_image.sh" --bin_dir="$runfiles" \
    --stage_only="$context" 2>&1); then
  why="build_image.sh --stage_only failed: $staged"
fi
dockerfile="$runfiles/deploy/k8s/Dockerfile"
grep -qE '^FROM debian:12$' "$dockerfile" || why+="the image is not FROM debian:12; "
grep -qE '^RUN /tmp/hem/install_deps.sh' "$dockerfile" || why+="the image does not run install_deps.sh; "
while read -r source; do
  [[ -e "$context/$source" ]] || why+="COPY source $source is not in the context; "
done < <(awk '$1 == "COPY" { print $2 }' "$dockerfile")
for binary in replay_service/replay_server learner/learner actor/actor deploy/k8s/actor_entrypoint.sh; do
  [[ -x "$context/bin/$binary" ]] || why+="the image lacks /opt/hem/bin/$binary; "
done
case_result ImageContextHoldsWhatTheDockerfileCopies "$why"

echo "$failures failure(s)"
((failures == 0))
