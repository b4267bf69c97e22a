"""deploy/k8s/ rendered by kustomize (kubectl's built-in, offline) for each overlay and checked offline:
Kubernetes objects against the API schemas that the kubernetes-validate package ships (strict: no unknown
fields), KEDA's objects by their required fields, and every overlay against the rest of the repository —
commands, images, settings, GPUs, the network fence."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from planwright.queue import CRAWL_QUEUE
from planwright.settings import Settings
from tests.service_commands import SERVICE_COMMANDS
from tests.test_deploy import dockerfile_targets

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("cpu", "gpu", "vllm")
KUBERNETES_VERSION = "1.33.0"  # the oldest still-supported minor we target; the schemas ship in the package
COMPONENT_COMMANDS = {
    "api": "api",
    "crawler": "crawler",
    "model-worker": "model_worker",
    "beat": "beat",
    "migrate": "migrate",
}
OUR_UID = 10001


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl, (
        "kubectl (with its built-in kustomize) is needed to render deploy/k8s: apt-get install kubectl"
    )
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def objects(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in rendered(overlay) if o["kind"] == kind}


def pod_specs(overlay: str) -> dict[str, dict[str, Any]]:
    """{component: pod spec} of every Deployment and Job."""
    specs = {}
    for o in rendered(overlay):
        if o["kind"] in ("Deployment", "Job"):
            component = o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
            specs[component] = o["spec"]["template"]["spec"]
    return specs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_objects_match_the_api_schemas(overlay: str) -> None:
    checked = 0
    for o in rendered(overlay):
        if o["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked below
        try:
            kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(
                f"{overlay}: {o['kind']}/{o['metadata']['name']}: {error.message} at {list(error.path)}"
            )
        checked += 1
    assert checked >= 15, f"{overlay}: only {checked} objects rendered"


def test_the_validator_refuses_a_broken_object() -> None:
    """The schema check above can fail: a typo'd field and a missing container image are caught."""
    deployment = next(o for o in rendered("cpu") if o["kind"] == "Deployment")
    typo = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSION, strict=True)
    pod = deployment["spec"]["template"]["spec"]
    containers = [{k: v for k, v in c.items() if k != "name"} for c in pod["containers"]]
    nameless = {
        **deployment,
        "spec": {
            **deployment["spec"],
            "template": {**deployment["spec"]["template"], "spec": {**pod, "containers": containers}},
        },
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(nameless, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lives_in_the_planwright_namespace(overlay: str) -> None:
    for o in rendered(overlay):
        if o["kind"] != "Namespace":
            assert o["metadata"].get("namespace") == "planwright", f"{o['kind']}/{o['metadata']['name']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_crawlers_scale_on_the_crawl_queue_with_keda(overlay: str) -> None:
    scaled = objects(overlay, "ScaledObject")["crawler"]["spec"]
    assert scaled["scaleTargetRef"]["name"] in objects(overlay, "Deployment")
    assert scaled["scaleTargetRef"]["name"] == "crawler"
    assert 1 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]
    (trigger,) = scaled["triggers"]
    assert trigger["type"] == "redis"
    meta = trigger["metadata"]
    assert meta["listName"] == CRAWL_QUEUE
    assert int(meta["listLength"]) >= 1 and meta["databaseIndex"] == "0"
    host, _, port = meta["address"].partition(":")
    assert host.split(".")[0] in objects(overlay, "Service") and port == "6379"
    auth = objects(overlay, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]["spec"]
    (secret,) = auth["secretTargetRef"]
    assert secret["parameter"] == "password" and secret["name"] == "planwright-secrets"
    assert secret["key"] in (K8S / "base" / "settings.yaml").read_text(encoding="utf-8"), "undocumented key"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_containers_run_the_canonical_commands_as_non_root_with_limits(overlay: str) -> None:
    specs = pod_specs(overlay)
    assert set(COMPONENT_COMMANDS) <= set(specs), sorted(specs)
    for component, spec in specs.items():
        for container in spec["containers"]:
            limits = container["resources"]["limits"]
            assert limits.get("cpu") and limits.get("memory"), f"{component}: no limits"
            if component not in COMPONENT_COMMANDS:
                continue  # vLLM's own image
            assert container["args"] == SERVICE_COMMANDS[COMPONENT_COMMANDS[component]], component
            assert "command" not in container, f"{component}: keep the image's entrypoint (tini + prestart)"
            context = spec["securityContext"]
            assert context["runAsNonRoot"] is True and context["runAsUser"] == OUR_UID, component
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, component
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], component
            refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert refs == {"planwright-settings", "planwright-secrets"}, component


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_dockerfile_targets_or_pinned(overlay: str) -> None:
    targets = dockerfile_targets()
    for component, spec in pod_specs(overlay).items():
        for container in spec["containers"]:
            name, _, tag = container["image"].rpartition(":")
            assert name and tag and tag != "latest", f"{component}: {container['image']} is not pinned"
            if name.startswith("planwright-"):
                assert name.removeprefix("planwright-") in targets, (
                    f"{component}: no Dockerfile target for {name}"
                )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_is_a_setting(overlay: str) -> None:
    fields = {f.upper() for f in Settings.model_fields}
    (config,) = objects(overlay, "ConfigMap").values()
    assert set(config["data"]) <= fields, sorted(set(config["data"]) - fields)
    for component, spec in pod_specs(overlay).items():
        if component in COMPONENT_COMMANDS:
            for container in spec["containers"]:
                names = {e["name"] for e in container.get("env") or []}
                assert names <= fields, f"{component}: {sorted(names - fields)}"


def test_gpus_only_where_the_overlay_asks() -> None:
    for overlay in OVERLAYS:
        for component, spec in pod_specs(overlay).items():
            gpus = spec["containers"][0]["resources"]["limits"].get("nvidia.com/gpu")
            wanted = (overlay, component) in (("gpu", "model-worker"), ("vllm", "vllm"))
            assert (gpus == 1) == wanted, f"{overlay}/{component}: nvidia.com/gpu={gpus}"
    assert pod_specs("gpu")["model-worker"]["containers"][0]["image"].startswith(
        "planwright-model-worker-cuda:"
    )
    assert pod_specs("cpu")["model-worker"]["containers"][0]["image"].startswith("planwright-model-worker:")


def test_the_vllm_overlay_points_the_model_worker_at_vllm() -> None:
    env = {e["name"]: e.get("value") for e in pod_specs("vllm")["model-worker"]["containers"][0]["env"]}
    assert env["MODEL_BACKEND"] == "openai"
    service = objects("vllm", "Service")["vllm"]
    port = service["spec"]["ports"][0]["port"]
    assert env["MODEL_BASE_URL"] == f"http://vllm:{port}/v1"
    args = pod_specs("vllm")["vllm"]["containers"][0]["args"]
    assert env["MODEL_NAME"] == args[args.index("--served-model-name") + 1]
    vllm_env = {e["name"]: e["value"] for e in pod_specs("vllm")["vllm"]["containers"][0]["env"]}
    assert vllm_env["HF_HUB_OFFLINE"] == "1"
    assert "vllm" not in objects("cpu", "Deployment")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_single_replicas_where_needed_and_the_api_autoscales(overlay: str) -> None:
    deployments = objects(overlay, "Deployment")
    assert deployments["beat"]["spec"]["replicas"] == 1
    assert deployments["beat"]["spec"]["strategy"]["type"] == "Recreate"
    hpa = objects(overlay, "HorizontalPodAutoscaler")["api"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    job = objects(overlay, "Job")["planwright-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == SERVICE_COMMANDS["migrate"]
    for name in ("postgres", "redis"):
        assert objects(overlay, "Service")[name]["spec"]["type"] == "ExternalName"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_crawler_reaches_app_networks(overlay: str) -> None:
    policies = objects(overlay, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    for name, policy in policies.items():
        selector = policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
        for rule in policy["spec"].get("egress") or []:
            wide = any("ipBlock" in peer for peer in rule.get("to") or []) or not rule.get("to")
            ports = {p["port"] for p in rule.get("ports") or []}
            if not wide:
                continue
            if selector == "crawler":
                continue  # the one component that browses the apps under test
            allowed = {5432, 6379} if selector is None else {80, 443}
            assert ports and ports <= allowed, (
                f"{name}: {selector or 'every pod'} may reach {ports or 'any port'}"
            )
            if selector is not None:
                assert selector == "beat", f"{name}: only beat sends webhooks out"
