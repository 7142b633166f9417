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
    for name, entry in SERVICES.items():
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
        assert {e["name"] for e in secrets} == {
            f"{name.upper()}_DATABASE_URL",
            "LPM_PSEUDONYM_SECRET",
        }
