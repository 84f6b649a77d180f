#!/usr/bin/env bash
# The point mass's policy network can read the ball's position from one
# 48 px frame: tests/encoder_probe trains it (supervised, Adam, batch 64)
# and must read at least 90 % of held-out frames to within the success
# radius after 1,500 steps. With the ball drawn at 4 px, or the encoder
# blind to the right and bottom quarter of a 48 px image, it read almost
# none (0.3 % after 5,000 steps), which is why point_mass from pixels never
# learned; this keeps the rendering and the encoder from sliding back.
set -uo pipefail
TEST_SUITE=EncoderProbe
source "$(dirname "${BASH_SOURCE[0]}")/test_result.sh"
test_paths encoder_probe
out=$("$BIN_DIR/tests/encoder_probe" --envs="point_mass:image=48" --frames=4096 \
    --test_frames=512 --updates=1500 --report_every=500 2>&1)
rc=$?
echo "$out"
within=$(awk -F'|' '/^\| 1500 \|/ { gsub(/ /, "", $5); print $5 }' <<<"$out")
ok=0
[[ $rc == 0 && -n "$within" ]] && awk -v w="$within" 'BEGIN { exit !(w >= 0.9) }' && ok=1
result PointMass48ReadsTheBall $ok "exit $rc, read within the radius after 1500 steps: '${within}' (want >= 0.9)"

# --behaviour=reacher_pd steps a state twin beside the image env and acts on
# its state; the probe fails (INTERNAL) the moment the two episodes part, and
# refuses a task that is not a reacher.
out=$("$BIN_DIR/tests/encoder_probe" --mode=m_step --behaviour=reacher_pd \
    --envs="reacher:image=48" --episodes=6 --updates=2 --report_every=2 --test_episodes=1 2>&1)
rc=$?
ok=0
[[ $rc == 0 ]] && grep -q "6 reacher_pd episodes" <<<"$out" && ok=1
result ReacherPdTwinStaysInStep $ok "exit $rc: $(tail -n 3 <<<"$out")"
out=$("$BIN_DIR/tests/encoder_probe" --mode=m_step --behaviour=reacher_pd \
    --envs="point_mass" --episodes=2 --updates=1 2>&1)
rc=$?
ok=0
[[ $rc != 0 ]] && grep -q "INVALID_ARGUMENT.*point_mass is not a reacher task" <<<"$out" && ok=1
result ReacherPdRefusesOtherTasks $ok "exit $rc: $out"
exit $((failures > 0))
