// Command etcd is the etcd server the API server stores its objects in (Debian's 3.4 is older than the API server supports).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
