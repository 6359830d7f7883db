// cert-manager-controller runs cert-manager's own controllers (github.com/cert-manager/cert-manager/pkg/controller,
// the version go.mod pins) against a test cluster's API server: just the ones that turn Issuers with `selfSigned` or
// `ca` and Certificates into signed Secrets, and renew them. It stands in for cert-manager's controller binary, whose
// Go module (cmd/controller) is not published on the module proxy; the wiring follows that binary's
// cmd/controller/app.Run: one ContextFactory, each registered controller built from it and run, then the shared
// informer factories started. Not run: the webhook (so nothing validates or defaults Certificates: the controllers
// apply their own defaults), ACME, Vault, Venafi, ClusterIssuers, the ingress/gateway shims, the
// CertificateSigningRequest controllers and leader election.
//
//	cert-manager-controller --kubeconfig=FILE [--metrics-listen-address=127.0.0.1:9402] [--v=2]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// Each of these registers its controller with controller.Known() in init().
	// Issuers: sets an Issuer's Ready condition (a CertificateRequest waits for it) by calling the issuer
	// implementation's Setup (the CA one checks that spec.ca.secretName holds a CA certificate and its key).
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// Certificates, the same six as cert-manager's defaults: trigger (decides a Certificate needs (re)issuing:
	// missing or mismatched Secret, or renewal time reached), keymanager (the next private key, per rotationPolicy),
	// requestmanager (a CertificateRequest for that key), issuing (writes the signed certificate, key and CA into
	// the Secret), readiness (the Certificate's Ready condition and renewalTime) and revisionmanager (prunes old
	// CertificateRequests beyond revisionHistoryLimit).
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	// CertificateRequests: the approver approves requests for cert-manager.io issuers (nothing is signed before
	// that); the CA and self-signed controllers sign them.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	// The issuer implementations the issuers controller looks up by the Issuer's spec.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server to run against")
	metricsAddress := flag.String("metrics-listen-address", "", "serve Prometheus metrics here (host:port); empty: no metrics server")
	workers := flag.Int("workers", 5, "workers per controller (cert-manager's default)")
	ownerRef := flag.Bool("enable-certificate-owner-ref", false, "make each Certificate the owner of its Secret (cert-manager's flag of that name)")
	klog.InitFlags(nil) // --v etc.
	flag.Parse()
	logf.InitLogs()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")
	if err := run(ctx, *kubeconfig, *metricsAddress, *workers, *ownerRef); err != nil {
		klog.ErrorS(err, "cert-manager controllers failed")
		klog.Flush()
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, metricsAddress string, workers int, ownerRef bool) error {
	log := logf.FromContext(ctx)
	// cert-manager's defaults for everything else; ACME options stay empty as no ACME controller runs.
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controller.IssuerOptions{ClusterResourceNamespace: "kube-system"},
		CertificateOptions: controller.CertificateOptions{
			EnableOwnerRef:                           ownerRef,
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	// The base context: its informer factories are the ones every controller registers its informers with.
	base, err := factory.Build()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	if metricsAddress != "" {
		ln, err := net.Listen("tcp", metricsAddress)
		if err != nil {
			return fmt.Errorf("metrics server: %w", err)
		}
		server := base.Metrics.NewServer(ln)
		g.Go(func() error {
			<-ctx.Done()
			return server.Close()
		})
		g.Go(func() error {
			_ = server.Serve(ln) // returns once closed
			return nil
		})
	}
	names := make([]string, 0, len(controller.Known()))
	for name := range controller.Known() {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c, err := controller.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", name, err)
		}
		g.Go(func() error { return c.Run(workers, ctx) })
	}
	// Started after the controllers registered their informers, as cert-manager does.
	base.SharedInformerFactory.Start(ctx.Done())
	base.KubeSharedInformerFactory.Start(ctx.Done())
	base.SharedInformerFactory.WaitForCacheSync(ctx.Done())
	base.KubeSharedInformerFactory.WaitForCacheSync(ctx.Done())
	log.Info("cert-manager controllers running", "controllers", names)
	return g.Wait()
}
