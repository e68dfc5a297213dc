"""A tiny stand-in for kube-apiserver on 127.0.0.1, just enough for Helm's
server-side dry run: version and discovery for the kinds the chart renders,
an empty OpenAPI document (so client-side validation has nothing to check
against: kubernetes-validate does that part), and GETs of the objects the
test puts in `objects`. Everything else is 404; nothing is ever written.

It lets the tests run the chart's `lookup` of its TLS Secret, which offline
rendering (`helm template`) cannot."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_CORE = [("secrets", "Secret", True), ("services", "Service", True), ("configmaps", "ConfigMap", True),
         ("serviceaccounts", "ServiceAccount", True), ("namespaces", "Namespace", False)]
_GROUPS = {
    "apps/v1": [("deployments", "Deployment", True)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "admissionregistration.k8s.io/v1": [("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", False)],
    "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy", True)],
    "cert-manager.io/v1": [("issuers", "Issuer", True), ("certificates", "Certificate", True)],
    "monitoring.coreos.com/v1": [("servicemonitors", "ServiceMonitor", True)],
}
# Protobuf of an OpenAPI v2 document {swagger: "2.0", info: {title: "fake", version: "v1"}}.
_INFO = b"\x0a\x04fake\x12\x02v1"
_OPENAPI_V2 = b"\x0a\x032.0" + b"\x12" + bytes([len(_INFO)]) + _INFO


def _resource_list(group_version: str, resources: list[tuple[str, str, bool]]) -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
            for name, kind, namespaced in resources
        ],
    }


class FakeApiServer:
    """Use as a context manager; `url` is the server address for Helm."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, code: int, obj: Any) -> None:
                self._send(code, json.dumps(obj).encode())

            def _not_found(self) -> None:
                self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "NotFound", "code": 404, "message": "not found"})

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                path = self.path.split("?", 1)[0]
                owner.requests.append(("GET", path))
                if path == "/version":
                    self._json(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"})
                elif path == "/api":
                    self._json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
                elif path == "/apis":
                    groups: dict[str, list[dict[str, str]]] = {}
                    for gv in _GROUPS:
                        group, version = gv.split("/")
                        groups.setdefault(group, []).append({"groupVersion": gv, "version": version})
                    self._json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                        {"name": g, "versions": vs, "preferredVersion": vs[0]} for g, vs in groups.items()]})
                elif path == "/api/v1":
                    self._json(200, _resource_list("v1", _CORE))
                elif path.startswith("/apis/") and path[len("/apis/"):] in _GROUPS:
                    gv = path[len("/apis/"):]
                    self._json(200, _resource_list(gv, _GROUPS[gv]))
                elif path == "/openapi/v3":
                    self._json(200, {"paths": {}})
                elif path == "/openapi/v2":
                    self._send(200, _OPENAPI_V2, "application/octet-stream")
                elif path in owner.objects:
                    self._json(200, owner.objects[path])
                else:
                    self._not_found()

            def _refuse(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests.append((self.command, self.path))
                self._json(405, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "MethodNotAllowed", "code": 405, "message": "read-only fake"})

            do_POST = do_PUT = do_PATCH = do_DELETE = _refuse  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeApiServer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
