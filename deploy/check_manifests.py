"""Consistency checks across deploy/ that no schema can see (run by check.sh).

kubernetes-validate proves each object is well-formed; this proves the objects fit together
and fit the server: probe timeouts above the server's check timeout, a grace period above the
drain delay plus a request, probes on the named port `probes` that PROBE_ADDR listens on and
that only a headless peers Service targets (clusterIP: None, publishNotReadyAddresses: true,
the probe port alone), SHARED_CHECKS naming configured checks and PEERS reaching that peers
Service, secrets only by reference and only to keys that exist, URLs in a shipped Secret that
reach a shipped Service (with PostgreSQL's own credentials), Service selectors that select
something, the Dockerfile's user, ports and health check, and an API token that is never the
server's public default (listening on 0.0.0.0, the server would take `dev-token` without one).

Usage:
  python check_manifests.py sources KUBERNETES_DIR
      every YAML file under the directory parses (no duplicate keys) and is a kustomization or
      is used by one, so no manifest escapes the renderings that check.sh validates
  python check_manifests.py rendering --dockerfile DOCKERFILE [--user-secret NAME]... FILE
      the checks above on FILE, the output of `kubectl kustomize`; a Secret named with
      --user-secret is one the user creates: it may be referenced without being in FILE, and
      must not be in it (applying FILE would overwrite the user's values)
  python check_manifests.py compose FILE
      the compose file's server sets API_TOKEN, and not to the public default

Exit 1 on any problem.
"""

import argparse
import base64
import re
import sys
from urllib.parse import unquote, urlsplit
from pathlib import Path

import yaml

# The longest request the server is expected to finish after it stops accepting (README).
REQUEST_BUDGET_MS = 10_000
SECRET_ENV = re.compile(r"(TOKEN|PASSWORD|SECRET|_URL$)")
# The server's checks that SHARED_CHECKS may name, and the variable that configures each.
CHECK_URLS = {"database": "DATABASE_URL", "redis": "REDIS_URL"}
# The API token the server takes when API_TOKEN is unset: public, for loopback only.
DEFAULT_API_TOKEN = "dev-token"
# The port a URL without one means.
DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379, "rediss": 6379, "http": 80, "https": 443}

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


def parse(path):
    """The non-empty documents of one YAML file, or None (reported) when it does not parse."""
    try:
        return [d for d in yaml.load_all(path.read_text(), Loader=UniqueKeyLoader) if d]
    except yaml.YAMLError as error:
        problem(f"{path}: {error}")
        return None


def load(path, label):
    """The objects of a rendered stream, each tagged with the rendering's label."""
    docs = parse(path)
    if docs is None:
        return []
    if not docs:
        problem(f"{label}: no Kubernetes object in the rendering")
    for doc in docs:
        doc["_file"] = label
    return docs


# Kustomization fields that name local files or directories.
KUSTOMIZATION_FILE_LISTS = ("resources", "components", "crds", "patchesStrategicMerge", "configurations")


def kustomization_inputs(kustomization, directory):
    """The local paths one kustomization reads (remote URLs are not followed)."""
    paths = [directory / name for field in KUSTOMIZATION_FILE_LISTS for name in kustomization.get(field) or []]
    for patch in kustomization.get("patches") or []:
        if isinstance(patch, dict) and "path" in patch:
            paths.append(directory / patch["path"])
    for generator in (kustomization.get("configMapGenerator") or []) + (kustomization.get("secretGenerator") or []):
        for source in (generator.get("files") or []) + (generator.get("envs") or []):
            paths.append(directory / source.split("=", 1)[-1])
    return [p for p in paths if "://" not in str(p)]


def check_sources(root):
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    kustomizations = [p for p in files if p.name in ("kustomization.yaml", "kustomization.yml")]
    used = set()
    for kustomization in kustomizations:
        docs = parse(kustomization)
        if docs is None:
            continue
        for path in kustomization_inputs(docs[0] if docs else {}, kustomization.parent):
            if not path.exists():
                problem(f"{kustomization}: refers to {path}, which does not exist")
            used.add(path.resolve())
    for path in files:
        if path in kustomizations:
            continue
        if parse(path) is None:
            continue
        if path.resolve() in used:
            ok(f"{path.relative_to(root)}: parses, used by a kustomization")
        else:
            problem(f"{path.relative_to(root)}: no kustomization uses it, so check.sh never validates it")
    if not kustomizations:
        problem(f"{root}: no kustomization.yaml")


def env_value(container, name):
    for item in container.get("env", []):
        if item["name"] == name and "value" in item:
            return item["value"]
    return None


def check_server(deployment):
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    name = f"{deployment['_file']}: deployment/{deployment['metadata']['name']}"
    check_timeout = int(env_value(container, "CHECK_TIMEOUT_MS") or 2000)
    shutdown_delay = int(env_value(container, "SHUTDOWN_DELAY_MS") or 0)
    port_names = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}

    listen = env_value(container, "LISTEN_ADDR") or ""
    if port_names.get("http") and listen.endswith(f":{port_names['http']}"):
        ok(f"{name}: LISTEN_ADDR {listen} matches containerPort http={port_names['http']}")
    else:
        problem(f"{name}: LISTEN_ADDR {listen!r} does not match a containerPort named http")

    # The probes go to a port of their own, served from the probe thread, so they never queue
    # behind the app's work (deploy/README.md, "Probes on a port of their own").
    probes = port_names.get("probes")
    probe_addr = env_value(container, "PROBE_ADDR") or ""
    host, _, port = probe_addr.rpartition(":")
    if not probes:
        problem(f"{name}: no containerPort named probes (the port the kubelet's probes go to)")
    elif probes == port_names.get("http"):
        problem(f"{name}: containerPort probes={probes} is the app's port http; it must be a port of its own")
    elif port != str(probes):
        problem(f"{name}: PROBE_ADDR {probe_addr!r} does not match containerPort probes={probes}")
    elif host not in ("0.0.0.0", "[::]"):
        problem(f"{name}: PROBE_ADDR {probe_addr!r} must listen on all interfaces (0.0.0.0 or [::]): the kubelet probes the pod's IP")
    else:
        ok(f"{name}: PROBE_ADDR {probe_addr} matches containerPort probes={probes}")

    expected = {"startupProbe": "/startupz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe_name, path in expected.items():
        probe = container.get(probe_name)
        if not probe:
            problem(f"{name}: no {probe_name}")
            continue
        get = probe.get("httpGet", {})
        if get.get("path") != path or get.get("port") != "probes":
            problem(f"{name}: {probe_name} must be httpGet {path} on port probes (PROBE_ADDR), is {get}")
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


def check_secret_refs(objects, user_secrets):
    secrets = {name: set(values) for name, values in secret_values(objects).items()}
    for name in sorted(user_secrets & set(secrets)):
        problem(f"secret/{name} is created by the user, but the rendering has one: applying it would overwrite the user's")

    def resolves(where, what, ref, key=None):
        optional = "optional" if ref.get("optional") else "required"
        if ref["name"] in user_secrets:
            ok(f"{where}: {what} <- secret {ref['name']}{'/' + key if key else ''} ({optional}, created by the user)")
        elif ref["name"] not in secrets:
            problem(f"{where}: {what} refers to secret {ref['name']}, which is not in the rendering")
        elif key is not None and key not in secrets[ref["name"]]:
            # Even an optional key: a Secret shipped with the rendering is meant to hold it.
            problem(f"{where}: {what} refers to missing secret key {ref['name']}/{key}")
        else:
            ok(f"{where}: {what} <- secret {ref['name']}{'/' + key if key else ''}")

    for o in objects:
        if o["kind"] != "Deployment":
            continue
        where = f"{o['_file']}: deployment/{o['metadata']['name']}"
        for container in o["spec"]["template"]["spec"]["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    resolves(where, item["name"], ref, ref["key"])
                elif SECRET_ENV.search(item["name"]):
                    problem(f"{where}: {item['name']} looks secret but is not a secretKeyRef")
            for source in container.get("envFrom", []):
                ref = source.get("secretRef")
                if ref:
                    resolves(where, "envFrom", ref)


def secret_values(objects):
    """{secret name: {key: value}}, stringData as written, data decoded."""
    values = {}
    for o in objects:
        if o["kind"] == "Secret":
            decoded = {k: base64.b64decode(v).decode() for k, v in (o.get("data") or {}).items()}
            values[o["metadata"]["name"]] = {**decoded, **(o.get("stringData") or {})}
    return values


def selected_deployments(objects, service):
    """The Deployments whose pods the Service's selector selects."""
    selector = service["spec"].get("selector", {})
    return [
        d
        for d in objects
        if d["kind"] == "Deployment"
        and selector
        and all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())
    ]


def check_secret_urls(objects):
    """A URL in a Secret of the rendering that names an in-cluster Service (a host without dots,
    or NAME.NAMESPACE.svc...) must reach a Service of the rendering on a port it exposes; if that
    Service selects a PostgreSQL Deployment, the URL's user, password and database must be the
    ones the Deployment initialises."""
    values = secret_values(objects)
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    for secret, pairs in sorted(values.items()):
        for key, url in sorted(pairs.items()):
            if not key.endswith("_URL"):
                continue
            where = f"{objects[0]['_file']}: secret/{secret} {key}"
            parts = urlsplit(url)
            host = parts.hostname or ""
            if "." in host and ".svc" not in host:
                ok(f"{where}: external host {host}, not part of the rendering")
                continue
            name = host.split(".")[0]
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
            service = services.get(name)
            if service is None:
                problem(f"{where}: host {host} is not a Service of the rendering")
                continue
            if port not in {p["port"] for p in service["spec"]["ports"]}:
                problem(f"{where}: port {port} is not a port of service/{name}")
                continue
            ok(f"{where}: {parts.scheme}://{name}:{port} is service/{name}")
            deployment = next(iter(selected_deployments(objects, service)), None)
            container = deployment["spec"]["template"]["spec"]["containers"][0] if deployment else {}
            env = {item["name"]: item for item in container.get("env", [])}
            if "POSTGRES_PASSWORD" not in env:
                continue
            ref = env["POSTGRES_PASSWORD"].get("valueFrom", {}).get("secretKeyRef", {})
            wanted = {
                "user": (env.get("POSTGRES_USER") or {}).get("value", "postgres"),
                "password": env["POSTGRES_PASSWORD"].get("value") or values.get(ref.get("name"), {}).get(ref.get("key")),
                "database": (env.get("POSTGRES_DB") or {}).get("value") or (env.get("POSTGRES_USER") or {}).get("value", "postgres"),
            }
            given = {
                "user": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "database": parts.path.lstrip("/"),
            }
            wrong = [field for field in wanted if given[field] != wanted[field]]
            if wrong:
                problem(f"{where}: not what deployment/{deployment['metadata']['name']} initialises: {', '.join(wrong)}")
            else:
                ok(f"{where}: user, password and database match deployment/{deployment['metadata']['name']}")


def check_services(objects):
    for service in (o for o in objects if o["kind"] == "Service"):
        name = f"{service['_file']}: service/{service['metadata']['name']}"
        spec = service["spec"]
        selector = spec.get("selector", {})
        matches = selected_deployments(objects, service)
        if len(matches) != 1:
            problem(f"{name}: selector {selector} matches {len(matches)} deployments, expected 1")
            continue
        target_name = matches[0]["metadata"]["name"]
        containers = matches[0]["spec"]["template"]["spec"]["containers"]
        port_names = {p.get("name") for c in containers for p in c.get("ports", [])}
        port_numbers = {p["containerPort"] for c in containers for p in c.get("ports", [])}
        probe_ports = {"probes"} | {p["containerPort"] for c in containers for p in c.get("ports", []) if p.get("name") == "probes"}
        targets = [(port["port"], port.get("targetPort", port["port"])) for port in spec["ports"]]
        # Only the replicas' headless peers Service may reach the probe port, and only it: the
        # kubelet probes the pod's IP, clients never get there through a Service.
        peers = any(target in probe_ports for _, target in targets)
        headless = spec.get("clusterIP") == "None" and spec.get("type", "ClusterIP") == "ClusterIP"
        for port, target in targets:
            if target in probe_ports and not headless:
                problem(
                    f"{name}: port {port} exposes the probe port {target!r}, which is for the kubelet "
                    "and a headless peers Service (clusterIP: None) only"
                )
            elif target in probe_ports and spec.get("publishNotReadyAddresses") is not True:
                problem(
                    f"{name}: a peers Service needs publishNotReadyAddresses: true, or unready replicas "
                    "vanish from its DNS name exactly when the fleet verdict needs their view"
                )
            elif target in probe_ports:
                ok(f"{name}: headless, publishNotReadyAddresses: port {port} -> {target_name}:{target}, for the replicas only")
            elif peers and headless:
                problem(f"{name}: targets the probe port for the peers, so it must carry nothing else, not {target!r}")
            elif target in port_names or target in port_numbers:
                ok(f"{name}: port {port} -> {target_name}:{target}")
            else:
                problem(f"{name}: targetPort {target!r} is not a port of {target_name}")


def listed(container, variable):
    """The comma-separated entries of an env value, spaces around them ignored."""
    return [entry.strip() for entry in (env_value(container, variable) or "").split(",") if entry.strip()]


def check_fleet(objects, deployment):
    """SHARED_CHECKS and PEERS go together: each shared check is one the server configures, and
    each peer address is a headless Service of the rendering that selects the server, keeps
    unready pods and leads to the probe port."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    name = f"{deployment['_file']}: deployment/{deployment['metadata']['name']}"
    shared, peers = listed(container, "SHARED_CHECKS"), listed(container, "PEERS")
    if not shared and not peers:
        ok(f"{name}: no SHARED_CHECKS and no PEERS: every check fails readiness on its own")
        return
    if not peers:
        problem(f"{name}: SHARED_CHECKS without PEERS changes nothing: nobody to ask")
    if not shared:
        problem(f"{name}: PEERS without SHARED_CHECKS: the peers are never asked")
    configured = {item["name"] for item in container.get("env", [])}
    for check in shared:
        url = CHECK_URLS.get(check)
        if url is None:
            problem(f"{name}: SHARED_CHECKS names {check!r}, not a check of the server ({', '.join(CHECK_URLS)})")
        elif url not in configured:
            problem(f"{name}: SHARED_CHECKS names {check!r} but {url} is not set: the server notes it at start and ignores it, so the setting does nothing")
        else:
            ok(f"{name}: SHARED_CHECKS {check} (configured by {url})")
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    probes = {"probes"} | {p["containerPort"] for p in container.get("ports", []) if p.get("name") == "probes"}
    for peer in peers:
        host, _, port = peer.rpartition(":")
        service = services.get(host.split(".")[0]) if "." not in host or ".svc" in host else None
        if service is None:
            problem(f"{name}: PEERS {peer}: {host} is not a Service of the rendering")
            continue
        spec = service["spec"]
        selected = [d["metadata"]["name"] for d in selected_deployments(objects, service)]
        ports = {str(p["port"]): p.get("targetPort", p["port"]) for p in spec["ports"]}
        if selected != [deployment["metadata"]["name"]]:
            problem(f"{name}: PEERS {peer}: service/{host} selects {selected}, not the server's pods")
        elif spec.get("clusterIP") != "None":
            problem(f"{name}: PEERS {peer}: service/{host} must be headless (clusterIP: None), so its name resolves to every replica")
        elif spec.get("publishNotReadyAddresses") is not True:
            problem(f"{name}: PEERS {peer}: service/{host} lacks publishNotReadyAddresses: true")
        elif ports.get(port) not in probes:
            problem(f"{name}: PEERS {peer}: port {port} of service/{host} does not lead to the probe port")
        else:
            ok(f"{name}: PEERS {peer}: headless service/{host}, unready pods included, to the probe port")


def check_dockerfile(dockerfile, server, label):
    text = dockerfile.read_text()
    container = server["spec"]["template"]["spec"]["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    port, probes = ports.get("http"), ports.get("probes")
    checks = {
        f"EXPOSE {port}": rf"(?m)^EXPOSE\b.*\s{port}\b",
        f"EXPOSE {probes} (the probe port)": rf"(?m)^EXPOSE\b.*\s{probes}\b",
        f"ENV LISTEN_ADDR=0.0.0.0:{port}": rf"(?m)^ENV\s+LISTEN_ADDR=0\.0\.0\.0:{port}\b",
        f"ENV PROBE_ADDR=0.0.0.0:{probes}": rf"(?m)^ENV\s+PROBE_ADDR=0\.0\.0\.0:{probes}\b",
        "USER 65532 (runAsUser)": r"(?m)^USER\s+65532(:65532)?\s*$",
        f"HEALTHCHECK healthprobe on the probe port :{probes}/readyz": rf'(?m)^\s*CMD \["/usr/local/bin/healthprobe",.*"http://127\.0\.0\.1:{probes}/readyz"\]',
        "ENTRYPOINT server": r'(?m)^ENTRYPOINT \["/usr/local/bin/server"\]',
        "STOPSIGNAL SIGTERM": r"(?m)^STOPSIGNAL\s+SIGTERM\s*$",
    }
    if probes is None:
        # check_server reports the missing port; there is nothing to compare the Dockerfile with.
        checks = {check: pattern for check, pattern in checks.items() if "None" not in check}
    for check, pattern in checks.items():
        if re.search(pattern, text):
            ok(f"{label}: Dockerfile: {check}")
        else:
            problem(f"{label}: Dockerfile: expected {check}")


def check_api_token(objects, deployment):
    """API_TOKEN from a Secret, required (an optional key left out would leave the server on
    its public default), and no shipped Secret holding the default."""
    name = f"{deployment['_file']}: deployment/{deployment['metadata']['name']}"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    token = next((item for item in container.get("env", []) if item["name"] == "API_TOKEN"), {})
    ref = token.get("valueFrom", {}).get("secretKeyRef")
    if ref and not ref.get("optional", False):
        ok(f"{name}: API_TOKEN from secret {ref['name']}/{ref['key']}, required: never the default {DEFAULT_API_TOKEN}")
    else:
        problem(f"{name}: API_TOKEN is not a required secretKeyRef: the server would take the public default {DEFAULT_API_TOKEN}")
        return
    shipped = secret_values(objects).get(ref["name"], {}).get(ref["key"])
    if shipped == DEFAULT_API_TOKEN:
        problem(f"{name}: secret {ref['name']}/{ref['key']} is the public default {DEFAULT_API_TOKEN}")


def check_compose(path):
    with open(path) as file:
        compose = yaml.safe_load(file)
    environment = compose["services"]["server"].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment if "=" in item)
    token = environment.get("API_TOKEN")
    where = f"{path.name}: services.server"
    if not token:
        problem(f"{where}: API_TOKEN unset: the server would take the public default {DEFAULT_API_TOKEN}")
    elif token == DEFAULT_API_TOKEN:
        problem(f"{where}: API_TOKEN is the public default {DEFAULT_API_TOKEN}")
    else:
        ok(f"{where}: API_TOKEN set, not the public default")


def check_rendering(path, dockerfile, user_secrets):
    label = path.stem
    objects = load(path, label)
    servers = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "tower-health"]
    if len(servers) != 1:
        problem(f"{label}: expected one Deployment named tower-health, found {len(servers)}")
    else:
        check_server(servers[0])
        check_api_token(objects, servers[0])
        check_fleet(objects, servers[0])
        check_dockerfile(dockerfile, servers[0], label)
    check_secret_refs(objects, user_secrets)
    check_secret_urls(objects)
    check_services(objects)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sources = commands.add_parser("sources")
    sources.add_argument("root", type=Path)
    rendering = commands.add_parser("rendering")
    rendering.add_argument("--dockerfile", type=Path, required=True)
    rendering.add_argument("--user-secret", action="append", default=[])
    rendering.add_argument("file", type=Path)
    compose = commands.add_parser("compose")
    compose.add_argument("file", type=Path)
    args = parser.parse_args()
    if args.command == "sources":
        check_sources(args.root)
    elif args.command == "compose":
        check_compose(args.file)
    else:
        check_rendering(args.file, args.dockerfile, set(args.user_secret))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
