// Command altoctl queries an ALTO server (RFC 7285): it lists the
// information resource directory and fetches network maps, cost maps,
// endpoint properties and endpoint costs, printed as tables or as JSON.
//
// Exit status: 0 on success, 1 when the request failed or the server
// rejected it, 2 on a usage error.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
