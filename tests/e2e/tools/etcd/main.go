// Command etcd is etcd's own server command (go.etcd.io/etcd/server/v3/etcdmain),
// built from its Go module for the e2e control plane (scripts/k8s-up.sh).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
