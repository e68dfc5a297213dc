//go:build tools

// Package tools pins helm.sh/helm/v4/cmd/helm, built by scripts/go-tools.sh.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
