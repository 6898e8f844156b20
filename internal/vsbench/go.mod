module github.com/agentloop/agentloop/internal/vsbench

go 1.26.0

require github.com/agentloop/agentloop v0.0.0

require (
	github.com/dlclark/regexp2/v2 v2.5.1 // indirect
	github.com/philippgille/chromem-go v0.7.0
	github.com/tiktoken-go/tokenizer v0.10.0 // indirect
)

replace github.com/agentloop/agentloop => ../..
