// Command devserver runs a Temporal server for the tests, the load figure
// and the example of github.com/agentloop/agentloop/temporal: the server of
// go.temporal.io/server/temporaltest (in memory, on a loopback port), in a
// process of its own.
//
// It prints one JSON line, {"address":"127.0.0.1:PORT","namespace":"NS"},
// once the server accepts clients, and stops when its standard input
// closes or it receives SIGINT or SIGTERM.
//
// It is a module of its own because the server does not build with the
// OpenTelemetry version agentloop uses (go.opentelemetry.io/otel v1.47
// moved otel/log to v1, whose API the server's v0.20 calls do not match),
// so the server cannot share a binary with agentloop.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/server/temporaltest"
)

func main() {
	srv := temporaltest.NewServer()
	line, err := json.Marshal(map[string]string{"address": srv.GetFrontendHostPort(), "namespace": srv.GetDefaultNamespace()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
	srv.Stop()
}
