module github.com/agentloop/agentloop/internal/vsbench

go 1.26.0

require github.com/agentloop/agentloop v0.0.0

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
	go.opentelemetry.io/otel/trace v1.47.0 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

require github.com/philippgille/chromem-go v0.7.0

replace github.com/agentloop/agentloop => ../..
