"""deploy/k8s is valid Kubernetes (schemas shipped by kubernetes-validate, offline, strict)
and consistent with the code: every queue has workers, every worker Deployment scales on its
own queue, and compose runs the same queues."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from advisoros import queues

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy/k8s").glob("*.yaml"))
KUBERNETES_VERSION = "1.30.0"
CUSTOM_KINDS = {"ScaledObject", "ServiceMonitor"}  # CRDs: checked by hand below


def _documents():
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_is_valid_kubernetes(path):
    for document in yaml.safe_load_all(path.read_text()):
        if not document or document["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_pod_has_resource_requests_and_limits():
    for name, document in _documents():
        if document["kind"] not in {"Deployment", "Job"}:
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            resources = container.get("resources", {})
            assert resources.get("requests") and resources.get("limits"), \
                f"{name}: {document['metadata']['name']}/{container['name']}"


def test_each_queue_has_its_own_autoscaled_workers():
    deployments = {d["metadata"]["name"]: d for _, d in _documents()
                   if d["kind"] == "Deployment"}
    scaled = [d for _, d in _documents() if d["kind"] == "ScaledObject"]
    by_queue = {}
    for scaled_object in scaled:
        target = deployments[scaled_object["spec"]["scaleTargetRef"]["name"]]
        command = target["spec"]["template"]["spec"]["containers"][0]["command"]
        consumed = command[command.index("--queues") + 1].split(",")
        triggers = scaled_object["spec"]["triggers"]
        assert {trigger["type"] for trigger in triggers} == {"redis"}
        # Scaled on the length of exactly the lists it consumes.
        assert sorted(consumed) == sorted(t["metadata"]["listName"] for t in triggers)
        assert scaled_object["spec"]["minReplicaCount"] >= 1
        for queue in consumed:
            by_queue[queue] = target["metadata"]["name"]
    assert set(by_queue) == set(queues.QUEUES)
    budgets = {d["spec"]["selector"]["matchLabels"]["component"] for _, d in _documents()
               if d["kind"] == "PodDisruptionBudget"}
    for deployment in by_queue.values():
        assert deployments[deployment]["metadata"]["labels"]["component"] in budgets


def test_compose_runs_every_queue():
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    consumed = set()
    for service in compose["services"].values():
        command = service.get("command") or []
        if "worker" in command:
            consumed |= set(command[command.index("--queues") + 1].split(","))
    assert consumed == set(queues.QUEUES)
    assert set(queues.GENERAL_WORKER_QUEUES.split(",")) <= consumed
