// Command etcd is the etcd server (go.etcd.io/etcd/server/v3/etcdmain) built
// from the published Go module, for the local kube-apiserver used by the
// end-to-end tests. The server module has no main package of its own.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
