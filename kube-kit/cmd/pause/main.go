// pause: the sandbox process of a pod on the real kubelet node the tests start (what registry.k8s.io/pause is on a
// cluster that can pull images): it holds the pod's namespaces and exits on SIGTERM or SIGINT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
