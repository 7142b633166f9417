"""docker-compose.yml and deploy/k8s are checked offline: schemas, probes, ports, wiring."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from runtime.services import DATA_SERVICES as SERVICES
from runtime.services import SERVICES as ALL_SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.33.0"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _k8s_docs() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_the_compose_file_is_valid_against_the_compose_specification():
    schema = json.loads(
        (files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json").read_text()
    )
    jsonschema.validate(_compose(), schema)


def test_compose_runs_every_service_on_its_port_with_its_own_database_on_apache_kafka():
    compose = _compose()["services"]
    assert compose["kafka"]["image"].startswith("apache/kafka")
    assert compose["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name, entry in SERVICES.items():
        svc = compose[name]
        assert f"{entry.default_port}:{entry.default_port}" in svc["ports"]
        url = svc["environment"][f"{name.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and url.endswith(f"/{name}")
        assert svc["environment"]["LPM_KAFKA_IDEMPOTENCE"] == "true"
        assert "migrate" in svc["depends_on"]


def test_compose_serves_the_staff_pages_signed_in_by_the_development_issuer():
    compose = _compose()["services"]
    staff, sign_in = compose["staff"], compose["sign-in"]
    port = ALL_SERVICES["staff"].default_port
    assert f"{port}:{port}" in staff["ports"]
    env, issuer = staff["environment"], sign_in["environment"]
    # The staff pages call each service at its compose name and port.
    for name, entry in SERVICES.items():
        assert env[f"STAFF_{name.upper()}_URL"] == f"http://{name}:{entry.default_port}"
        assert name in staff["depends_on"]
    # One issuer for everybody: the services accept the tokens the sign-in service signs, and
    # `lpm token` in the tools container signs them the same way.
    issuer_url = issuer["LPM_DEV_ISSUER_URL"]
    assert env["LPM_AUTH_ISSUER"] == issuer_url
    assert _compose()["x-service"]["environment"]["LPM_AUTH_ISSUER"] == issuer_url
    assert compose["tools"]["environment"]["LPM_AUTH_ISSUER"] == issuer_url
    host, issuer_port = issuer_url.removeprefix("http://").split(":")
    assert host == "sign-in" and f"{issuer_port}:{issuer_port}" in sign_in["ports"]
    assert issuer["LPM_DEV_ISSUER_BROWSER_URL"] == f"http://127.0.0.1:{issuer_port}"
    # The issuer knows the staff pages' addresses and shares their client secret.
    public = env["STAFF_PUBLIC_URL"]
    assert json.loads(issuer["LPM_DEV_ISSUER_REDIRECT_URIS"]) == [f"{public}/auth/callback"]
    assert json.loads(issuer["LPM_DEV_ISSUER_POST_LOGOUT_REDIRECT_URIS"]) == [
        f"{public}/signed-out"
    ]
    assert issuer["LPM_DEV_ISSUER_CLIENT_SECRET"] == env["STAFF_OIDC_CLIENT_SECRET"]
    assert env["STAFF_SESSION_SECRET"].startswith("${STAFF_SESSION_SECRET:?")
    assert sign_in["depends_on"]["dev-issuer"]["condition"] == "service_completed_successfully"
    assert staff["depends_on"]["sign-in"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    ("source", "doc"),
    _k8s_docs(),
    ids=lambda v: v if isinstance(v, str) else v["kind"] + "/" + v["metadata"]["name"],
)
def test_every_kubernetes_manifest_is_valid(source, doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_every_service_deployment_is_probed_and_selects_its_own_pods():
    deployments = {d["metadata"]["name"]: d for _, d in _k8s_docs() if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for _, d in _k8s_docs() if d["kind"] == "Service"}
    secrets_of = {
        name: {f"{name.upper()}_DATABASE_URL", "LPM_PSEUDONYM_SECRET"} for name in SERVICES
    } | {"staff": {"STAFF_OIDC_CLIENT_SECRET", "STAFF_SESSION_SECRET"}}
    assert set(secrets_of) == set(ALL_SERVICES)
    for name, entry in ALL_SERVICES.items():
        dep = deployments[name]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert services[name]["spec"]["selector"].items() <= labels.items()
        container = dep["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["ports"][0]["containerPort"] == entry.default_port
        assert f"{name}.bootstrap:create_app" in container["command"]
        secrets = [e for e in container["env"] if "valueFrom" in e]
        assert {e["name"] for e in secrets} == secrets_of[name]


def test_the_staff_pages_reach_every_service_and_people_reach_them_over_https():
    (staff,) = [
        d for _, d in _k8s_docs() if d["kind"] == "Deployment" and d["metadata"]["name"] == "staff"
    ]
    env = {
        e["name"]: e.get("value") for e in staff["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    for name in SERVICES:
        assert env[f"STAFF_{name.upper()}_URL"] == f"http://{name}.lpm.svc.cluster.local"
    (ingress,) = [d for _, d in _k8s_docs() if d["kind"] == "Ingress"]
    (rule,) = ingress["spec"]["rules"]
    assert env["STAFF_PUBLIC_URL"] == f"https://{rule['host']}"
    assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
    (path,) = rule["http"]["paths"]
    assert path["backend"]["service"]["name"] == "staff"


def _kafka_settings() -> dict[str, dict[str, str]]:
    """The Kafka container's environment in docker-compose.yml and in deploy/k8s."""
    compose = _compose()["services"]["kafka"]
    (statefulset,) = [d for _, d in _k8s_docs() if d["kind"] == "StatefulSet"]
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return {
        "compose": {k: str(v) for k, v in compose["environment"].items()},
        "k8s": {e["name"]: str(e["value"]) for e in container["env"] if "value" in e},
    }


def test_compose_and_kubernetes_run_the_apache_kafka_the_tests_run_on():
    import xml.etree.ElementTree as ET

    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ET.parse(ROOT / "deploy" / "kafka" / "pom.xml").getroot()
    (kafka,) = [
        d
        for d in pom.iterfind(".//m:dependency", ns)
        if d.findtext("m:artifactId", "", ns) == "kafka_2.13"
    ]
    version = kafka.findtext("m:version", "", ns)
    (statefulset,) = [d for _, d in _k8s_docs() if d["kind"] == "StatefulSet"]
    images = {
        "compose": _compose()["services"]["kafka"]["image"],
        "k8s": statefulset["spec"]["template"]["spec"]["containers"][0]["image"],
    }
    assert images == {"compose": f"apache/kafka:{version}", "k8s": f"apache/kafka:{version}"}


@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_kafka_is_configured_in_kraft_mode_as_the_code_expects(where):
    from runtime.broker import KRAFT_SINGLE_NODE

    env = _kafka_settings()[where]
    # Every setting the platform's own launcher gives its broker, the same here.
    for prop, value in KRAFT_SINGLE_NODE.items():
        name = "KAFKA_" + prop.upper().replace(".", "_")
        assert env.get(name) == value, f"{where}: {name} is {env.get(name)!r}, not {value!r}"
    # One node, broker and controller: its id is the one voter, its controller listener exists.
    node = env["KAFKA_NODE_ID"]
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1 and voters[0].startswith(f"{node}@")
    controller_port = voters[0].rsplit(":", 1)[1]
    assert f"CONTROLLER://:{controller_port}" in env["KAFKA_LISTENERS"].split(",")
    # The services reach it where it says it is.
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].removeprefix("PLAINTEXT://")
    if where == "compose":
        bootstrap = _compose()["x-service"]["environment"]["LPM_KAFKA_BOOTSTRAP"]
    else:
        (config,) = [d for _, d in _k8s_docs() if d["kind"] == "ConfigMap"]
        bootstrap = config["data"]["LPM_KAFKA_BOOTSTRAP"]
    assert bootstrap == advertised
    # Its log is on the volume, so topics survive the container.
    if where == "compose":
        mounts = [v.split(":", 1)[1] for v in _compose()["services"]["kafka"]["volumes"]]
    else:
        (statefulset,) = [d for _, d in _k8s_docs() if d["kind"] == "StatefulSet"]
        container = statefulset["spec"]["template"]["spec"]["containers"][0]
        mounts = [m["mountPath"] for m in container["volumeMounts"]]
    assert env["KAFKA_LOG_DIRS"] in mounts
