"""Structural checks of the rendered Kubernetes manifests (deploy/k8s), beyond what a generic
checker knows: what Co-Intent's processes need and what the issue asks of each object.

    python manifests.py RENDERED.yaml [OTHER_RENDERING.yaml]

With a second rendering (the plain concatenation when kustomize rendered the first), checks
that both hold the same objects. Prints one line per failed check; exits 1 if any failed.
"""

import sys
import tomllib

import yaml

failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def ident(doc):
    meta = doc["metadata"]
    return (doc["kind"], meta.get("namespace", ""), meta["name"])


docs = load(sys.argv[1])
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
if len(sys.argv) > 2:
    other = load(sys.argv[2])
    check("both renderings hold the same objects",
          sorted(map(ident, docs)) == sorted(map(ident, other)))

for d in docs:
    name = "/".join(map(str, ident(d)))
    check(f"{name}: no Secret is committed", d["kind"] != "Secret")
    if d["kind"] != "Namespace":
        check(f"{name}: in namespace cointent", d["metadata"].get("namespace") == "cointent")

want = [("Namespace", "cointent"), ("ServiceAccount", "cointent"),
        ("ConfigMap", "cointent-config"), ("Job", "cointent-migrate"),
        ("Deployment", "cointent-api"), ("Service", "cointent-api"),
        ("HorizontalPodAutoscaler", "cointent-api"), ("PodDisruptionBudget", "cointent-api"),
        ("Deployment", "cointent-indexer"), ("PodDisruptionBudget", "cointent-indexer"),
        ("NetworkPolicy", "cointent-api"), ("NetworkPolicy", "cointent-default-deny-ingress")]
for key in want:
    check(f"{key[0]} {key[1]} exists", key in by)
if failures:
    print("\n".join(failures))
    sys.exit(1)

check("the service account mounts no token",
      by[("ServiceAccount", "cointent")].get("automountServiceAccountToken") is False)

config = tomllib.loads(by[("ConfigMap", "cointent-config")]["data"]["cointent.toml"])
check("the config has only the sections cointent reads",
      set(config) <= {"database", "http", "webhooks", "chains"})
check("the config holds no database URL (it comes from the Secret)",
      "url" not in config.get("database", {}))
check("the HTTP server listens on all interfaces, port 8080",
      config["http"]["bind"] == "0.0.0.0:8080")
check("/metrics has a listener of its own on 9464", config["http"]["metrics_bind"] == "0.0.0.0:9464")
for c in config["chains"]:
    check(f"chain {c['chain_id']}: the deployment is its record, projected beside the config",
          c.get("deployment") == f"{c['chain_id']}.json")


def pod(kind, name):
    return by[(kind, name)]["spec"]["template"]


def container(kind, name):
    (c,) = pod(kind, name)["spec"]["containers"]
    return c


workloads = [("Deployment", "cointent-api"), ("Deployment", "cointent-indexer"),
             ("Job", "cointent-migrate")]
for kind, name in workloads:
    spec, c = pod(kind, name)["spec"], container(kind, name)
    sc, csc = spec.get("securityContext", {}), c.get("securityContext", {})
    check(f"{name}: runs as non-root", sc.get("runAsNonRoot") is True and sc.get("runAsUser", 0) > 0)
    check(f"{name}: read-only root file system", csc.get("readOnlyRootFilesystem") is True)
    check(f"{name}: no privilege escalation", csc.get("allowPrivilegeEscalation") is False)
    check(f"{name}: drops all capabilities", csc.get("capabilities", {}).get("drop") == ["ALL"])
    check(f"{name}: no service account token", spec.get("automountServiceAccountToken") is False)
    check(f"{name}: the cointent service account", spec.get("serviceAccountName") == "cointent")
    res = c.get("resources", {})
    check(f"{name}: CPU and memory requests and limits",
          all(k in res.get(t, {}) for t in ("requests", "limits") for k in ("cpu", "memory")))
    check(f"{name}: the cointent image", c["image"].startswith("ghcr.io/co-intent/cointent:"))
    env = {e["name"]: e for e in c.get("env", [])}
    check(f"{name}: DATABASE_URL from the Secret cointent-database",
          env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef")
          == {"name": "cointent-database", "key": "url"})
    check(f"{name}: reads the mounted config",
          env.get("COINTENT_CONFIG", {}).get("value") == "/etc/cointent/cointent.toml")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    sources = [s["configMap"]["name"]
               for s in volumes.get(mounts.get("/etc/cointent"), {}).get("projected", {})
               .get("sources", [])]
    check(f"{name}: the config and the deployment records at /etc/cointent",
          sources == ["cointent-config", "cointent-deployments"])
    check(f"{name}: a writable /tmp", "/tmp" in mounts)

api = container("Deployment", "cointent-api")
check("api: two replicas", by[("Deployment", "cointent-api")]["spec"]["replicas"] == 2)
check("api: cointent serve --api-only", api.get("args") == ["serve", "--api-only"])
ports = {p["name"]: p["containerPort"] for p in api.get("ports", [])}
check("api: ports http 8080 and metrics 9464", ports == {"http": 8080, "metrics": 9464})
for probe, path in [("readinessProbe", "/ready"), ("livenessProbe", "/health"),
                    ("startupProbe", "/health")]:
    get = api.get(probe, {}).get("httpGet", {})
    check(f"api: {probe} on {path}", get.get("path") == path and get.get("port") == "http")

indexer = by[("Deployment", "cointent-indexer")]
check("indexer: three workers", indexer["spec"]["replicas"] == 3)
check("indexer: cointent index", container("Deployment", "cointent-indexer").get("args") == ["index"])
job = by[("Job", "cointent-migrate")]
check("migrate: cointent migrate", container("Job", "cointent-migrate").get("args") == ["migrate"])
check("migrate: does not restart in place", pod("Job", "cointent-migrate")["spec"]
      .get("restartPolicy") == "Never")


def labels(kind, name):
    return pod(kind, name)["metadata"]["labels"]


def selects(selector, kind, name):
    return selector.items() <= labels(kind, name).items()


for component in ("api", "indexer"):
    name = f"cointent-{component}"
    d = by[("Deployment", name)]
    check(f"{name}: its selector matches its pods", selects(d["spec"]["selector"]["matchLabels"],
                                                            "Deployment", name))
    pdb = by[("PodDisruptionBudget", name)]
    check(f"{name}: the disruption budget selects its pods",
          selects(pdb["spec"]["selector"]["matchLabels"], "Deployment", name))
other = "cointent-indexer"
check("the API's disruption budget does not select the indexer",
      not selects(by[("PodDisruptionBudget", "cointent-api")]["spec"]["selector"]["matchLabels"],
                  "Deployment", other))
check("the API's budget keeps at least one replica",
      by[("PodDisruptionBudget", "cointent-api")]["spec"].get("minAvailable", 0) >= 1)

hpa = by[("HorizontalPodAutoscaler", "cointent-api")]
check("hpa: autoscaling/v2", hpa["apiVersion"] == "autoscaling/v2")
check("hpa: scales the API Deployment", hpa["spec"]["scaleTargetRef"]
      == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cointent-api"})
check("hpa: from two replicas", hpa["spec"]["minReplicas"] == 2 < hpa["spec"]["maxReplicas"])
check("hpa: on CPU", [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"])

svc = by[("Service", "cointent-api")]
check("service: selects the API pods", selects(svc["spec"]["selector"], "Deployment", "cointent-api")
      and not selects(svc["spec"]["selector"], "Deployment", "cointent-indexer"))
check("service: targets the container's named ports",
      {p["targetPort"] for p in svc["spec"]["ports"]} <= set(ports))
policy = by[("NetworkPolicy", "cointent-api")]["spec"]
check("network policy: names ports the API has",
      {p["port"] for rule in policy["ingress"] for p in rule.get("ports", [])} <= set(ports))
check("network policy: ingress denied by default",
      by[("NetworkPolicy", "cointent-default-deny-ingress")]["spec"]
      == {"podSelector": {}, "policyTypes": ["Ingress"]})

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"manifests: {len(docs)} objects, every structural check passed")
