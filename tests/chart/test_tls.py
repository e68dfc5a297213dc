"""TLS: the chart-generated CA and serving certificate, and cert-manager mode."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store
from cryptography.x509.oid import ExtendedKeyUsageOID

from chartlib import NAMESPACE, of_kind, one, render, objects

SERVICE_HOST = f"sd-seccomp-defaulter.{NAMESPACE}.svc"


def _secret_certs(objs: list[dict[str, Any]]) -> tuple[dict[str, Any], x509.Certificate, bytes, list[x509.Certificate]]:
    secret = one(objs, "Secret")
    data = {k: base64.b64decode(v) for k, v in secret["data"].items()}
    leaf = x509.load_pem_x509_certificate(data["tls.crt"])
    ca = x509.load_pem_x509_certificates(data["ca.crt"])
    return secret, leaf, data["tls.key"], ca


def _ca_bundle(objs: list[dict[str, Any]]) -> list[x509.Certificate]:
    mwc = one(objs, "MutatingWebhookConfiguration")
    bundle = base64.b64decode(mwc["webhooks"][0]["clientConfig"]["caBundle"])
    return x509.load_pem_x509_certificates(bundle)


def test_ca_bundle_verifies_the_serving_certificate(default_objs: list[dict[str, Any]]) -> None:
    """Acceptance: exactly one MutatingWebhookConfiguration whose caBundle
    verifies the serving certificate in the rendered Secret."""
    assert len(of_kind(default_objs, "MutatingWebhookConfiguration")) == 1
    _, leaf, _, _ = _secret_certs(default_objs)
    roots = _ca_bundle(default_objs)
    verifier = (
        PolicyBuilder()
        .store(Store(roots))
        .time(dt.datetime.now(dt.timezone.utc))
        .build_server_verifier(x509.DNSName(SERVICE_HOST))
    )
    chain = verifier.verify(leaf, [])
    assert chain[0] == leaf and chain[-1] in roots


def test_ca_bundle_does_not_verify_a_foreign_certificate(default_objs: list[dict[str, Any]]) -> None:
    """The verification above can fail: another render's CA does not trust this certificate."""
    _, leaf, _, _ = _secret_certs(default_objs)
    other_roots = _ca_bundle(objects(render({})))
    verifier = PolicyBuilder().store(Store(other_roots)).build_server_verifier(x509.DNSName(SERVICE_HOST))
    try:
        verifier.verify(leaf, [])
    except x509.verification.VerificationError:
        return
    raise AssertionError("a CA from another render verified the certificate")


def test_serving_certificate_names_and_usage(default_objs: list[dict[str, Any]]) -> None:
    secret, leaf, key_pem, ca = _secret_certs(default_objs)
    assert secret["type"] == "kubernetes.io/tls"
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert SERVICE_HOST in sans
    assert f"sd-seccomp-defaulter.{NAMESPACE}" in sans
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    # The key in the Secret belongs to the certificate.
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert key.public_key().public_numbers() == leaf.public_key().public_numbers()
    # ca.crt in the Secret is the CA in the bundle.
    assert ca == _ca_bundle(default_objs)


def test_validity_and_expiry_annotation(default_objs: list[dict[str, Any]]) -> None:
    secret, leaf, _, _ = _secret_certs(default_objs)
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert abs(lifetime - dt.timedelta(days=3650)) < dt.timedelta(days=1)
    not_after = int(secret["metadata"]["annotations"]["seccomp-defaulter.io/not-after"])
    assert abs(not_after - leaf.not_valid_after_utc.timestamp()) < 3600
    short = objects(render({"tls": {"generated": {"validityDays": 30}}}))
    _, short_leaf, _, _ = _secret_certs(short)
    assert short_leaf.not_valid_after_utc - short_leaf.not_valid_before_utc < dt.timedelta(days=31)


def test_deployment_mounts_the_rendered_secret(default_objs: list[dict[str, Any]], rendered: dict[str, list[dict[str, Any]]]) -> None:
    for objs in (default_objs, rendered["everything-else"]):
        secret = one(objs, "Secret")
        volumes = one(objs, "Deployment")["spec"]["template"]["spec"]["volumes"]
        tls = next(v for v in volumes if v["name"] == "tls")
        assert tls["secret"]["secretName"] == secret["metadata"]["name"]
    assert one(rendered["everything-else"], "Secret")["metadata"]["name"] == "custom-tls"


def test_offline_renders_generate_a_fresh_ca() -> None:
    """Without a cluster (`helm template`) there is nothing to look up: each
    render generates its own CA, as docs/operations.md warns GitOps users.
    Reuse on upgrade is tested with the real Helm CLI against kube-apiserver:
    tests/e2e/helm_test.go."""
    assert _ca_bundle(objects(render({}))) != _ca_bundle(objects(render({})))


def test_cert_manager_mode(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objs = rendered["cert-manager"]
    assert of_kind(objs, "Secret") == []
    mwc = one(objs, "MutatingWebhookConfiguration")
    assert "caBundle" not in mwc["webhooks"][0]["clientConfig"]
    inject = mwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"]
    certs = {c["metadata"]["name"]: c for c in of_kind(objs, "Certificate")}
    ns, name = inject.split("/")
    assert ns == NAMESPACE and name in certs
    serving = certs[name]
    assert SERVICE_HOST in serving["spec"]["dnsNames"]
    assert "server auth" in serving["spec"]["usages"]
    volumes = one(objs, "Deployment")["spec"]["template"]["spec"]["volumes"]
    tls = next(v for v in volumes if v["name"] == "tls")
    assert tls["secret"]["secretName"] == serving["spec"]["secretName"]
    # Not the generated mode's Secret: switching modes must not have Helm
    # delete the Secret cert-manager just wrote.
    assert serving["spec"]["secretName"] != one(rendered["default"], "Secret")["metadata"]["name"]
    # Own PKI: self-signed Issuer -> CA Certificate -> CA Issuer -> serving Certificate.
    issuers = {i["metadata"]["name"]: i for i in of_kind(objs, "Issuer")}
    ca_issuer = issuers[serving["spec"]["issuerRef"]["name"]]
    ca_cert = next(c for c in certs.values() if c["spec"].get("isCA"))
    assert ca_issuer["spec"]["ca"]["secretName"] == ca_cert["spec"]["secretName"]
    assert "selfSigned" in issuers[ca_cert["spec"]["issuerRef"]["name"]]["spec"]


def test_cert_manager_with_existing_issuer(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objs = rendered["cert-manager-issuer"]
    assert of_kind(objs, "Issuer") == []
    serving = one(objs, "Certificate")
    assert serving["spec"]["issuerRef"] == {"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    mwc = one(objs, "MutatingWebhookConfiguration")
    assert mwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == f"{NAMESPACE}/{serving['metadata']['name']}"
