#!/usr/bin/env bash
# CPU instructions the layer adds to a forwarded request (and costs per probe), counted by
# valgrind's callgrind: repeatable whatever else the machine is doing. Only the loop of calls
# (`run`) is counted, so one-time set-up that varies from run to run (the traffic clock's
# calibration) stays out of the figures.
#
#   bash benches/instructions.sh          # needs valgrind (apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${CALLS:-20000}
command -v valgrind >/dev/null || { echo "instructions: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
binary=$(cargo bench -p tower-health-benches --bench instructions --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
count() { # mode calls -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="*instructions::run*" "$binary" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
declare -A per_call
for mode in none layer layer-handle layer-traffic probe probe-1000; do
    base=$(count "$mode" 0)
    loaded=$(count "$mode" "$calls")
    per_call[$mode]=$(( (loaded - base) / calls ))
done
echo "instructions per call (callgrind, $calls calls, request building included)"
printf '  %-38s %6d\n' "pass-through, no layer" "${per_call[none]}"
printf '  %-38s %6d  (+%d)\n' "pass-through, layer" "${per_call[layer]}" $(( per_call[layer] - per_call[none] ))
printf '  %-38s %6d  (+%d)\n' "pass-through, layer, handle in ext." "${per_call[layer-handle]}" $(( per_call[layer-handle] - per_call[none] ))
printf '  %-38s %6d  (+%d)\n' "pass-through, layer, traffic observed" "${per_call[layer-traffic]}" $(( per_call[layer-traffic] - per_call[none] ))
printf '  %-38s %6d\n' "probe /readyz, no components" "${per_call[probe]}"
printf '  %-38s %6d\n' "probe /readyz, 1,000 components" "${per_call[probe-1000]}"
