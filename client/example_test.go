package client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/daemon"
)

// startExampleServer starts goalto on its built-in LHCONE network on
// 127.0.0.1 with the settings of alttest.Start, which needs a
// testing.TB that examples do not have. It returns the IRD URL and a
// function that stops the server.
func startExampleServer() (string, func()) {
	d, err := daemon.Start(daemon.Config{
		Listen:         "127.0.0.1:0",
		ReloadInterval: -1,
		Services:       daemon.DefaultServices(),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatalf("starting the example server: %v", err)
	}
	return d.IRDURL(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			log.Printf("stopping the example server: %v", err)
		}
	}
}

func ExampleNew() {
	irdURL, stop := startExampleServer()
	defer stop()

	c, err := client.New(irdURL, client.WithUserAgent("example/1.0"))
	if err != nil {
		log.Fatal(err)
	}
	nm, err := c.NetworkMapResource(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("default network map:", nm.ID)
	// Output:
	// default network map: lhcone-network-map
}

func ExampleClient_Directory() {
	irdURL, stop := startExampleServer()
	defer stop()
	c, err := client.New(irdURL)
	if err != nil {
		log.Fatal(err)
	}

	dir, err := c.Directory(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("default network map:", dir.Meta.DefaultNetworkMap)
	for _, name := range slices.Sorted(maps.Keys(dir.Meta.CostTypes)) {
		ct := dir.Meta.CostTypes[name]
		fmt.Printf("cost type %s: %s/%s\n", name, ct.Metric, ct.Mode)
	}
	// Output:
	// default network map: lhcone-network-map
	// cost type num-hop: hopcount/numerical
	// cost type num-routing: routingcost/numerical
	// cost type ord-hop: hopcount/ordinal
	// cost type ord-routing: routingcost/ordinal
}

func ExampleClient_NetworkMap() {
	irdURL, stop := startExampleServer()
	defer stop()
	c, err := client.New(irdURL)
	if err != nil {
		log.Fatal(err)
	}

	nm, err := c.NetworkMap(context.Background(), "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("vtag resource:", nm.Meta.VTag.ResourceID)
	fmt.Println("PIDs:", len(nm.NetworkMap))
	fmt.Println("CERN ipv4:", nm.NetworkMap["CERN"][alto.AddressTypeIPv4])
	// Output:
	// vtag resource: lhcone-network-map
	// PIDs: 48
	// CERN ipv4: [128.142.0.0/16 188.184.128.0/17 188.185.48.0/20 188.185.128.0/17]
}

func ExampleClient_FilteredCostMap() {
	irdURL, stop := startExampleServer()
	defer stop()
	c, err := client.New(irdURL)
	if err != nil {
		log.Fatal(err)
	}

	cm, err := c.FilteredCostMap(context.Background(), &alto.CostMapFilter{
		CostType: alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount},
		PIDs:     &alto.PIDFilter{Srcs: []string{"CERN"}, Dsts: []string{"BNL", "DESY", "CERN"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, dst := range slices.Sorted(maps.Keys(cm.CostMap["CERN"])) {
		fmt.Printf("CERN -> %s: %v hops\n", dst, cm.CostMap["CERN"][dst])
	}
	// Output:
	// CERN -> BNL: 2 hops
	// CERN -> CERN: 0 hops
	// CERN -> DESY: 3 hops
}

func ExampleClient_EndpointCost() {
	irdURL, stop := startExampleServer()
	defer stop()
	c, err := client.New(irdURL)
	if err != nil {
		log.Fatal(err)
	}

	src := "ipv4:128.142.1.1"
	dsts := []string{"ipv4:128.142.2.2", "ipv4:130.199.48.10", "ipv4:131.169.80.5", "ipv6:2001:db8::1"}
	ecm, err := c.EndpointCost(context.Background(), &alto.EndpointCostParams{
		CostType:  alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost},
		Endpoints: alto.EndpointFilter{Srcs: []string{src}, Dsts: dsts},
	})
	if err != nil {
		log.Fatal(err)
	}
	// A destination without a cost, here one outside every PID, is left
	// out of the response.
	for _, dst := range dsts {
		if rank, ok := ecm.EndpointCostMap[src][dst]; ok {
			fmt.Printf("%s -> %s: rank %v\n", src, dst, rank)
		} else {
			fmt.Printf("%s -> %s: no cost\n", src, dst)
		}
	}
	// Output:
	// ipv4:128.142.1.1 -> ipv4:128.142.2.2: rank 1
	// ipv4:128.142.1.1 -> ipv4:130.199.48.10: rank 2
	// ipv4:128.142.1.1 -> ipv4:131.169.80.5: rank 3
	// ipv4:128.142.1.1 -> ipv6:2001:db8::1: no cost
}

func ExampleClient_LocalCostMap() {
	irdURL, stop := startExampleServer()
	defer stop()
	c, err := client.New(irdURL)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Fetch the network map and the cost map once. The costs of the
	// queries below are then computed in memory.
	lm, err := c.LocalCostMap(ctx, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost})
	if err != nil {
		log.Fatal(err)
	}
	src := netip.MustParseAddr("128.142.1.1")
	dsts := []netip.Addr{netip.MustParseAddr("128.142.2.2"), netip.MustParseAddr("130.199.48.10"), netip.MustParseAddr("131.169.80.5")}
	costs, err := lm.EndpointCostAddrs([]netip.Addr{src}, dsts)
	if err != nil {
		log.Fatal(err)
	}
	for _, dst := range dsts {
		pid, _ := lm.PID(dst)
		fmt.Printf("%v -> %v (%s): rank %v\n", src, dst, pid, costs["ipv4:"+src.String()]["ipv4:"+dst.String()])
	}

	// Later, revalidate both maps by ETag.
	changed, err := lm.Refresh(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("changed:", changed)
	// Output:
	// 128.142.1.1 -> 128.142.2.2 (CERN): rank 1
	// 128.142.1.1 -> 130.199.48.10 (BNL): rank 2
	// 128.142.1.1 -> 131.169.80.5 (DESY): rank 3
	// changed: false
}

// A server secured as docs/security.md describes: its certificate is
// signed by a private CA, and it authenticates clients by TLS client
// certificate, HTTP Basic or bearer token. This example is compiled but
// not run, because it needs the files and the server.
func ExampleLoadTLSConfig() {
	tlsConfig, err := client.LoadTLSConfig(client.TLSFiles{
		CAFile:   "ca.pem",     // the private CA of the server's certificate
		CertFile: "client.pem", // omit both for Basic or bearer
		KeyFile:  "client.key",
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New("https://alto.example.net/directory",
		client.WithTLSConfig(tlsConfig),
		// Or client.WithBasicAuth(user, password), or the user
		// information of https://user:password@alto.example.net/directory.
		client.WithBearerToken(os.Getenv("ALTO_BEARER_TOKEN")),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resources, err := c.Resources(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(resources), "resources")
}
