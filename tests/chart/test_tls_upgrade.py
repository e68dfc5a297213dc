"""The generated certificate across upgrades: the chart looks its TLS Secret up
(`lookup`) and reuses it, renews it near expiry with the old CA kept in the
caBundle, and regenerates an incomplete one. `helm template` cannot run
lookups, so these render through Helm's server-side dry run against a
read-only fake API server on loopback (fake_apiserver.py)."""

from __future__ import annotations

import base64
import copy
import time
from typing import Any

import helm_python as helm
import pytest
import yaml
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from chartlib import CHART, NAMESPACE, RELEASE, objects, one, render
from fake_apiserver import FakeApiServer

SECRET_NAME = "sd-seccomp-defaulter-tls"
SECRET_PATH = f"/api/v1/namespaces/{NAMESPACE}/secrets/{SECRET_NAME}"
SERVICE_HOST = f"sd-seccomp-defaulter.{NAMESPACE}.svc"
NOT_AFTER = "seccomp-defaulter.io/not-after"


def server_render(existing: dict[str, Any] | None, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Objects of `helm install --dry-run=server` with `existing` as the live Secret."""
    with FakeApiServer() as api:
        if existing is not None:
            api.objects[SECRET_PATH] = existing
        with helm.Config(kube_apiserver=api.url, namespace=NAMESPACE, storage_driver="memory") as cfg:
            release = cfg.install(CHART, RELEASE, values or {}, namespace=NAMESPACE, dry_run="server")
        assert ("GET", SECRET_PATH) in api.requests, "the chart did not look its Secret up"
        assert all(method == "GET" for method, _ in api.requests), "a dry run must not write"
    return [doc for doc in yaml.safe_load_all(release["manifest"]) if doc]


def live_secret(objs: list[dict[str, Any]], not_after: int | None = None) -> dict[str, Any]:
    """The rendered Secret as the API server would return it after install."""
    secret = copy.deepcopy(one(objs, "Secret"))
    secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "Helm"
    secret["metadata"]["annotations"].update({
        "meta.helm.sh/release-name": RELEASE,
        "meta.helm.sh/release-namespace": NAMESPACE,
    })
    if not_after is not None:
        secret["metadata"]["annotations"][NOT_AFTER] = str(not_after)
    secret["metadata"]["resourceVersion"] = "1"
    return secret


def bundle(objs: list[dict[str, Any]]) -> list[x509.Certificate]:
    mwc = one(objs, "MutatingWebhookConfiguration")
    return x509.load_pem_x509_certificates(base64.b64decode(mwc["webhooks"][0]["clientConfig"]["caBundle"]))


def leaf(secret: dict[str, Any]) -> x509.Certificate:
    return x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))


def verifies(roots: list[x509.Certificate], cert: x509.Certificate) -> bool:
    verifier = PolicyBuilder().store(Store(roots)).build_server_verifier(x509.DNSName(SERVICE_HOST))
    try:
        verifier.verify(cert, [])
    except x509.verification.VerificationError:
        return False
    return True


@pytest.fixture(scope="module")
def first_install() -> list[dict[str, Any]]:
    return objects(render({}))


def test_upgrade_reuses_the_existing_certificate(first_install: list[dict[str, Any]]) -> None:
    existing = live_secret(first_install)
    upgraded = server_render(existing)
    secret = one(upgraded, "Secret")
    assert secret["data"] == existing["data"]
    assert secret["metadata"]["annotations"][NOT_AFTER] == existing["metadata"]["annotations"][NOT_AFTER]
    # The caBundle is the existing CA, and it still verifies the existing certificate.
    assert bundle(upgraded) == bundle(first_install)
    assert verifies(bundle(upgraded), leaf(existing))


def test_install_without_secret_generates_one() -> None:
    fresh = server_render(None)
    assert verifies(bundle(fresh), leaf(one(fresh, "Secret")))


@pytest.mark.parametrize("not_after", [int(time.time()) + 10 * 86400, 0], ids=["expiring", "forced"])
def test_renewal_keeps_the_old_ca_for_one_revision(first_install: list[dict[str, Any]], not_after: int) -> None:
    existing = live_secret(first_install, not_after=not_after)
    renewed = server_render(existing)
    secret = one(renewed, "Secret")
    assert secret["data"]["tls.crt"] != existing["data"]["tls.crt"]
    assert secret["data"]["ca.crt"] != existing["data"]["ca.crt"]
    assert int(secret["metadata"]["annotations"][NOT_AFTER]) > time.time() + 3000 * 86400
    roots = bundle(renewed)
    old_ca = x509.load_pem_x509_certificate(base64.b64decode(existing["data"]["ca.crt"]))
    new_ca = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["ca.crt"]))
    assert roots == [new_ca, old_ca]
    # Pods still serving the old certificate and pods already on the new one both work.
    assert verifies(roots, leaf(existing))
    assert verifies(roots, leaf(secret))
    # The next upgrade (Secret now renewed) drops the old CA again.
    settled = server_render(live_secret(renewed))
    assert bundle(settled) == [new_ca]
    assert not verifies(bundle(settled), leaf(existing))


def test_incomplete_secret_is_regenerated(first_install: list[dict[str, Any]]) -> None:
    existing = live_secret(first_install)
    del existing["data"]["ca.crt"]
    regenerated = server_render(existing)
    secret = one(regenerated, "Secret")
    assert secret["data"]["tls.key"] != existing["data"]["tls.key"]
    roots = bundle(regenerated)
    assert len(roots) == 1
    assert verifies(roots, leaf(secret))
