"""Consistency checks across deploy/ that no schema can see (run by check.sh).

kubernetes-validate proves each object is well-formed; this proves the objects fit together
and fit the server: probe timeouts above the server's check timeout, a grace period above the
drain delay plus a request, probes on the named port, secrets only by reference and only to
keys that exist, Service selectors that select something, the Dockerfile's user and port.

Usage: python check_manifests.py DEPLOY_DIR     (exit 1 on any problem)
"""

import re
import sys
from pathlib import Path

import yaml

# The longest request the server is expected to finish after it stops accepting (README).
REQUEST_BUDGET_MS = 10_000
SECRET_ENV = re.compile(r"(TOKEN|PASSWORD|SECRET|_URL$)")

problems = []


def problem(message):
    problems.append(message)
    print(f"  FAIL {message}")


def ok(message):
    print(f"  ok   {message}")


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def load(deploy):
    objects = []
    for path in sorted((deploy / "kubernetes").glob("*.y*ml")):
        try:
            docs = [d for d in yaml.load_all(path.read_text(), Loader=UniqueKeyLoader) if d]
        except yaml.YAMLError as error:
            problem(f"{path.name}: {error}")
            continue
        if not docs:
            problem(f"{path.name}: no Kubernetes object in the file")
        for doc in docs:
            doc["_file"] = path.name
            objects.append(doc)
    return objects


def env_value(container, name):
    for item in container.get("env", []):
        if item["name"] == name and "value" in item:
            return item["value"]
    return None


def check_server(deployment):
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    name = f"deployment/{deployment['metadata']['name']}"
    check_timeout = int(env_value(container, "CHECK_TIMEOUT_MS") or 2000)
    shutdown_delay = int(env_value(container, "SHUTDOWN_DELAY_MS") or 0)
    port_names = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}

    listen = env_value(container, "LISTEN_ADDR") or ""
    if port_names.get("http") and listen.endswith(f":{port_names['http']}"):
        ok(f"{name}: LISTEN_ADDR {listen} matches containerPort http={port_names['http']}")
    else:
        problem(f"{name}: LISTEN_ADDR {listen!r} does not match a containerPort named http")

    expected = {"startupProbe": "/startupz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe_name, path in expected.items():
        probe = container.get(probe_name)
        if not probe:
            problem(f"{name}: no {probe_name}")
            continue
        get = probe.get("httpGet", {})
        if get.get("path") != path or get.get("port") != "http":
            problem(f"{name}: {probe_name} must be httpGet {path} on port http, is {get}")
        timeout_ms = probe.get("timeoutSeconds", 1) * 1000
        if timeout_ms <= check_timeout:
            problem(
                f"{name}: {probe_name} timeoutSeconds ({timeout_ms} ms) must exceed "
                f"CHECK_TIMEOUT_MS ({check_timeout} ms)"
            )
        else:
            ok(
                f"{name}: {probe_name} {path}: timeout {timeout_ms} ms > check timeout "
                f"{check_timeout} ms; period {probe.get('periodSeconds', 10)} s x "
                f"failureThreshold {probe.get('failureThreshold', 3)}"
            )
    startup = container.get("startupProbe", {})
    budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
    ok(f"{name}: startup budget {budget} s")

    grace_ms = spec.get("terminationGracePeriodSeconds", 30) * 1000
    if grace_ms > shutdown_delay + REQUEST_BUDGET_MS:
        ok(
            f"{name}: terminationGracePeriodSeconds {grace_ms // 1000} s > SHUTDOWN_DELAY_MS "
            f"{shutdown_delay} ms + request budget {REQUEST_BUDGET_MS} ms"
        )
    else:
        problem(
            f"{name}: terminationGracePeriodSeconds {grace_ms // 1000} s must exceed "
            f"SHUTDOWN_DELAY_MS {shutdown_delay} ms + request budget {REQUEST_BUDGET_MS} ms"
        )

    pod_sc = spec.get("securityContext", {})
    sc = {**pod_sc, **container.get("securityContext", {})}
    wanted = {
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
    }
    wrong = {k: sc.get(k) for k, v in wanted.items() if sc.get(k) != v}
    if wrong or "ALL" not in sc.get("capabilities", {}).get("drop", []):
        problem(f"{name}: securityContext not locked down: {wrong or 'capabilities.drop lacks ALL'}")
    else:
        ok(f"{name}: non-root 65532, read-only root, no privilege escalation, all capabilities dropped")


def check_secret_refs(objects):
    secrets = {
        o["metadata"]["name"]: set(o.get("stringData", {})) | set(o.get("data", {}))
        for o in objects
        if o["kind"] == "Secret"
    }
    for o in objects:
        if o["kind"] != "Deployment":
            continue
        name = f"{o['_file']}: deployment/{o['metadata']['name']}"
        for container in o["spec"]["template"]["spec"]["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    if ref["key"] in secrets.get(ref["name"], set()):
                        ok(f"{name}: {item['name']} <- secret {ref['name']}/{ref['key']}")
                    else:
                        problem(f"{name}: {item['name']} refers to missing secret key {ref['name']}/{ref['key']}")
                elif SECRET_ENV.search(item["name"]):
                    problem(f"{name}: {item['name']} looks secret but is not a secretKeyRef")
            for source in container.get("envFrom", []):
                ref = source.get("secretRef")
                if ref and ref["name"] not in secrets:
                    problem(f"{name}: envFrom refers to missing secret {ref['name']}")


def check_services(objects):
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    for service in (o for o in objects if o["kind"] == "Service"):
        name = f"{service['_file']}: service/{service['metadata']['name']}"
        selector = service["spec"].get("selector", {})
        matches = [
            d
            for d in deployments
            if selector
            and all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())
        ]
        if len(matches) != 1:
            problem(f"{name}: selector {selector} matches {len(matches)} deployments, expected 1")
            continue
        containers = matches[0]["spec"]["template"]["spec"]["containers"]
        port_names = {p.get("name") for c in containers for p in c.get("ports", [])}
        port_numbers = {p["containerPort"] for c in containers for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if target in port_names or target in port_numbers:
                ok(f"{name}: port {port['port']} -> {matches[0]['metadata']['name']}:{target}")
            else:
                problem(f"{name}: targetPort {target!r} is not a port of {matches[0]['metadata']['name']}")


def check_dockerfile(deploy, server):
    text = (deploy / "Dockerfile").read_text()
    container = server["spec"]["template"]["spec"]["containers"][0]
    port = {p.get("name"): p["containerPort"] for p in container["ports"]}.get("http")
    checks = {
        f"EXPOSE {port}": rf"(?m)^EXPOSE\s+{port}\b",
        f"ENV LISTEN_ADDR=0.0.0.0:{port}": rf"(?m)^ENV\s+LISTEN_ADDR=0\.0\.0\.0:{port}\b",
        "USER 65532 (runAsUser)": r"(?m)^USER\s+65532(:65532)?\s*$",
        f"HEALTHCHECK healthprobe on :{port}/readyz": rf'(?m)^\s*CMD \["/usr/local/bin/healthprobe",.*"http://127\.0\.0\.1:{port}/readyz"\]',
        "ENTRYPOINT server": r'(?m)^ENTRYPOINT \["/usr/local/bin/server"\]',
        "STOPSIGNAL SIGTERM": r"(?m)^STOPSIGNAL\s+SIGTERM\s*$",
    }
    for label, pattern in checks.items():
        if re.search(pattern, text):
            ok(f"Dockerfile: {label}")
        else:
            problem(f"Dockerfile: expected {label}")


def main():
    deploy = Path(sys.argv[1])
    objects = load(deploy)
    servers = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "tower-health"]
    if len(servers) != 1:
        problem(f"expected one Deployment named tower-health, found {len(servers)}")
    else:
        check_server(servers[0])
        check_dockerfile(deploy, servers[0])
    check_secret_refs(objects)
    check_services(objects)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
