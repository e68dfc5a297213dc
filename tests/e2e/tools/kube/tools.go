//go:build tools

// Package tools pins the Kubernetes commands that scripts/go-tools.sh builds
// from k8s.io/kubernetes (its staging modules are pinned by go.mod's replace lines).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
