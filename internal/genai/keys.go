package genai

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
)

// Every attribute key, metric name and fixed value agentloop emits lives in
// this file, so that the coming GenAI semantic-convention rename (the
// conventions moved to open-telemetry/semantic-conventions-genai) is a
// one-file change. Keys come from semconv v1.41.0, the last release with the
// GenAI keys; the few that are not in it are spelled out.

// ScopeName is the instrumentation scope of every tracer and meter.
const ScopeName = "github.com/agentloop/agentloop"

// Operation names, the values of [KeyOperationName].
const (
	OpInvokeAgent = "invoke_agent"
	OpChat        = "chat"
	OpExecuteTool = "execute_tool"
	OpEmbeddings  = "embeddings"
	OpRetrieval   = "retrieval"
)

// Fixed values.
const (
	ProviderOpenAI = "openai"    // gen_ai.provider.name
	APITypeResp    = "responses" // openai.api.type

	ToolTypeFunction  = "function"  // a tool the client executes
	ToolTypeExtension = "extension" // gen_ai.tool.type of the computer tool
	ToolTypeDatastore = "datastore" // gen_ai.tool.type of file search

	TokenInput  = "input"  // gen_ai.token.type
	TokenOutput = "output" // gen_ai.token.type
)

// OpenInference span kinds, the values of [KeyOIKind], read by Phoenix and
// Langfuse to classify spans.
const (
	OIKindAgent     = "AGENT"
	OIKindLLM       = "LLM"
	OIKindTool      = "TOOL"
	OIKindEmbedding = "EMBEDDING"
	OIKindRetriever = "RETRIEVER"
	OIKindChain     = "CHAIN"
)

// Attribute keys of the GenAI semantic conventions (v1.41.0) and of the
// generic conventions the GenAI spans use.
const (
	KeyOperationName      = semconv.GenAIOperationNameKey
	KeyProviderName       = semconv.GenAIProviderNameKey
	KeyAgentName          = semconv.GenAIAgentNameKey
	KeyAgentID            = semconv.GenAIAgentIDKey
	KeyConversationID     = semconv.GenAIConversationIDKey
	KeyDataSourceID       = semconv.GenAIDataSourceIDKey
	KeyRequestModel       = semconv.GenAIRequestModelKey
	KeyRequestStream      = semconv.GenAIRequestStreamKey
	KeyRequestMaxTokens   = semconv.GenAIRequestMaxTokensKey
	KeyRequestTemperature = semconv.GenAIRequestTemperatureKey
	KeyRequestTopP        = semconv.GenAIRequestTopPKey
	KeyRequestTopK        = semconv.GenAIRequestTopKKey
	KeyOutputType         = semconv.GenAIOutputTypeKey
	KeyResponseID         = semconv.GenAIResponseIDKey
	KeyResponseModel      = semconv.GenAIResponseModelKey
	KeyFinishReasons      = semconv.GenAIResponseFinishReasonsKey
	KeyTimeToFirstChunk   = semconv.GenAIResponseTimeToFirstChunkKey
	KeyInputTokens        = semconv.GenAIUsageInputTokensKey
	KeyOutputTokens       = semconv.GenAIUsageOutputTokensKey
	KeyCachedInputTokens  = semconv.GenAIUsageCacheReadInputTokensKey
	KeyReasoningTokens    = semconv.GenAIUsageReasoningOutputTokensKey
	KeyTokenType          = semconv.GenAITokenTypeKey
	KeyToolName           = semconv.GenAIToolNameKey
	KeyToolCallID         = semconv.GenAIToolCallIDKey
	KeyToolType           = semconv.GenAIToolTypeKey
	KeyToolDescription    = semconv.GenAIToolDescriptionKey
	KeyToolDefinitions    = semconv.GenAIToolDefinitionsKey
	KeyToolArguments      = semconv.GenAIToolCallArgumentsKey
	KeyToolResult         = semconv.GenAIToolCallResultKey
	KeySystemInstructions = semconv.GenAISystemInstructionsKey
	KeyInputMessages      = semconv.GenAIInputMessagesKey
	KeyOutputMessages     = semconv.GenAIOutputMessagesKey
	KeyEmbeddingsDims     = semconv.GenAIEmbeddingsDimensionCountKey
	KeyRetrievalQuery     = semconv.GenAIRetrievalQueryTextKey
	KeyRetrievalDocuments = semconv.GenAIRetrievalDocumentsKey
	KeyOpenAIAPIType      = semconv.OpenAIAPITypeKey
	KeyRequestServiceTier = semconv.OpenAIRequestServiceTierKey
	KeyServiceTier        = semconv.OpenAIResponseServiceTierKey
	KeyErrorType          = semconv.ErrorTypeKey
	KeyExceptionType      = semconv.ExceptionTypeKey
	KeyExceptionMessage   = semconv.ExceptionMessageKey
	KeyServerAddress      = semconv.ServerAddressKey
	KeyServerPort         = semconv.ServerPortKey
	KeyDBSystemName       = semconv.DBSystemNameKey
	KeyDBCollectionName   = semconv.DBCollectionNameKey
	KeyDBOperationName    = semconv.DBOperationNameKey
	KeyURLDomain          = semconv.URLDomainKey

	// The MCP conventions, on the execute_tool span of an MCP tool's call.
	KeyMCPMethodName       = semconv.McpMethodNameKey
	KeyMCPSessionID        = semconv.McpSessionIDKey
	KeyMCPProtocolVersion  = semconv.McpProtocolVersionKey
	KeyNetworkTransport    = semconv.NetworkTransportKey
	KeyNetworkProtocolName = semconv.NetworkProtocolNameKey
	KeyRPCStatusCode       = semconv.RPCResponseStatusCodeKey
)

// MCP values.
const (
	MCPMethodToolsCall = "tools/call"
	TransportPipe      = "pipe" // network.transport of a stdio MCP server
	TransportTCP       = "tcp"  // network.transport of an HTTP MCP server
)

// Attribute keys that are not in semconv v1.41.0: the newer GenAI
// repository's previous_response id, OpenInference's, and agentloop's own.
const (
	KeyPreviousResponseID = attribute.Key("gen_ai.request.previous_response.id")
	KeyOIKind             = attribute.Key("openinference.span.kind")
	KeyInputValue         = attribute.Key("input.value")
	KeyInputMimeType      = attribute.Key("input.mime_type")
	KeyOutputValue        = attribute.Key("output.value")
	KeyOutputMimeType     = attribute.Key("output.mime_type")
	KeyTurns              = attribute.Key("agentloop.turns")
	KeyTurn               = attribute.Key("agentloop.turn")
	KeyRetryAttempt       = attribute.Key("agentloop.retry.attempt")
	KeyRetryDelay         = attribute.Key("agentloop.retry.delay_s")
	KeyRetryStatus        = attribute.Key("agentloop.retry.http_status")
	KeyRetryFallback      = attribute.Key("agentloop.retry.fallback_model")
	KeyTransformReason    = attribute.Key("agentloop.input_transformation.reason")
	KeyTransformCount     = attribute.Key("agentloop.input_transformation.count")
	KeyGuardrailName      = attribute.Key("agentloop.guardrail.name")
	KeyGuardrailStage     = attribute.Key("agentloop.guardrail.stage")
	KeyGuardrailAction    = attribute.Key("agentloop.guardrail.action")
	KeyHandoffFrom        = attribute.Key("agentloop.handoff.from")
	KeyHandoffTo          = attribute.Key("agentloop.handoff.to")
	// KeyCostUSD is what a model call (chat span) or a run (invoke_agent
	// span) cost in US dollars, with a price table; absent when unknown.
	KeyCostUSD       = attribute.Key("agentloop.cost.usd")
	KeyBrowserAction = attribute.Key("agentloop.browser.action")
	KeyOutcome       = attribute.Key("agentloop.outcome")

	// MCP tools: the server's name as configured and the tool's name on
	// the server (gen_ai.tool.name is the name the model calls, with the
	// server's prefix); EventMCPReconnect marks a call that connected to
	// the server again, with the reason the connection before it ended.
	KeyMCPServer      = attribute.Key("agentloop.mcp.server")
	KeyMCPTool        = attribute.Key("agentloop.mcp.tool")
	KeyMCPReconnected = attribute.Key("agentloop.mcp.reconnect.reason")
	EventMCPReconnect = "mcp.reconnect"

	// Retrieval spans of the file_search tool.
	KeyRetrievalHitCount   = attribute.Key("agentloop.retrieval.hit_count")
	KeyRetrievalQueryCount = attribute.Key("agentloop.retrieval.query_count")

	// Action spans of the computer tool: they describe an action, never
	// what it types or what the screen shows.
	KeyBrowserActionIndex    = attribute.Key("agentloop.browser.action.index")
	KeyBrowserX              = attribute.Key("agentloop.browser.x")
	KeyBrowserY              = attribute.Key("agentloop.browser.y")
	KeyBrowserButton         = attribute.Key("agentloop.browser.button")
	KeyBrowserScrollX        = attribute.Key("agentloop.browser.scroll_x")
	KeyBrowserScrollY        = attribute.Key("agentloop.browser.scroll_y")
	KeyBrowserKeyCount       = attribute.Key("agentloop.browser.key_count")
	KeyBrowserPathPoints     = attribute.Key("agentloop.browser.path.points")
	KeyScreenshotBytes       = attribute.Key("agentloop.browser.screenshot.bytes")
	KeyScreenshotMIME        = attribute.Key("agentloop.browser.screenshot.mime_type")
	KeyScreenshotWidth       = attribute.Key("agentloop.browser.screenshot.width")
	KeyScreenshotHeight      = attribute.Key("agentloop.browser.screenshot.height")
	KeySafetyCheckID         = attribute.Key("agentloop.computer.safety_check.id")
	KeySafetyCheckCode       = attribute.Key("agentloop.computer.safety_check.code")
	KeySafetyCheckApproved   = attribute.Key("agentloop.computer.safety_check.approved")
	EventComputerSafetyCheck = "computer.safety_check"

	// Events of the browser on the span of the action or screenshot during
	// which they happened: a dialog answered, a page that crashed or stopped
	// responding and was opened again, a browser that died and was started
	// again. Never a dialog's text or a full URL.
	KeyBrowserDialogType      = attribute.Key("agentloop.browser.dialog.type")
	KeyBrowserDialogAccepted  = attribute.Key("agentloop.browser.dialog.accepted")
	KeyBrowserDialogAnswerer  = attribute.Key("agentloop.browser.dialog.answered_by")
	KeyBrowserRecoveryReason  = attribute.Key("agentloop.browser.recovery.reason")
	KeyBrowserRecoveredDomain = attribute.Key("agentloop.browser.recovery.reopened_domain")
	EventBrowserDialog        = "browser.dialog"
	EventBrowserRecovered     = "browser.recovered"
)

// KeyCacheWriteInputTokens counts the input tokens written to the prompt
// cache. It is not in semconv v1.41.0: this is the newer GenAI repository's
// name (its cache_creation was renamed cache_write).
const KeyCacheWriteInputTokens = attribute.Key("gen_ai.usage.cache_write.input_tokens")

// Span event names.
const (
	EventRetry            = "retry"
	EventException        = "exception"
	EventInputTransformed = "input_transformed"
	EventGuardrail        = "guardrail"
	EventHandoff          = "handoff"
)

// Metric instruments of agentloop's own; the two gen_ai.client.*
// histograms come from semconv/v1.41.0/genaiconv (see [NewInstruments]).
const (
	MetricRuns       = "agentloop.runs"
	MetricTurns      = "agentloop.turns"
	MetricToolCalls  = "agentloop.tool.calls"
	MetricToolErrors = "agentloop.tool.errors"
	// MetricToolAbandoned counts calls whose tool did not return after its
	// context ended: their goroutines were left behind.
	MetricToolAbandoned = "agentloop.tool.abandoned"
	// MetricInputTransformed counts input items the server withheld, by
	// reason (organization_mismatch, …).
	MetricInputTransformed = "agentloop.input.transformed"
)

// Values of the genaiconv instruments' required attributes.
const (
	MetricOpChat         = genaiconv.OperationNameAttr(OpChat)
	MetricOpEmbeddings   = genaiconv.OperationNameAttr(OpEmbeddings)
	MetricProviderOpenAI = genaiconv.ProviderNameAttr(ProviderOpenAI)
	MetricTokenInput     = genaiconv.TokenTypeAttr(TokenInput)
	MetricTokenOutput    = genaiconv.TokenTypeAttr(TokenOutput)
)

// Instruments are the metric instruments agentloop records to.
type Instruments struct {
	OperationDuration genaiconv.ClientOperationDuration // gen_ai.client.operation.duration, s
	TokenUsage        genaiconv.ClientTokenUsage        // gen_ai.client.token.usage, {token}
	Runs              metric.Int64Counter               // agentloop.runs
	Turns             metric.Int64Counter               // agentloop.turns
	ToolCalls         metric.Int64Counter               // agentloop.tool.calls
	ToolErrors        metric.Int64Counter               // agentloop.tool.errors
	ToolAbandoned     metric.Int64Counter               // agentloop.tool.abandoned
	InputTransformed  metric.Int64Counter               // agentloop.input.transformed
}

// NewInstruments creates the instruments on m, the two histograms with the
// bucket boundaries the conventions specify. An instrument m fails to create
// is a no-op (telemetry never fails a run); the first error is returned.
func NewInstruments(m metric.Meter) (*Instruments, error) {
	var in Instruments
	var errs [8]error
	in.OperationDuration, errs[0] = genaiconv.NewClientOperationDuration(m, metric.WithExplicitBucketBoundaries(DurationBuckets()...))
	in.TokenUsage, errs[1] = genaiconv.NewClientTokenUsage(m, metric.WithExplicitBucketBoundaries(TokenBuckets()...))
	in.Runs, errs[2] = counter(m, MetricRuns, "{run}", "Agent runs, by agent and outcome.")
	in.Turns, errs[3] = counter(m, MetricTurns, "{turn}", "Model calls made by agent runs.")
	in.ToolCalls, errs[4] = counter(m, MetricToolCalls, "{call}", "Tool calls executed, by tool.")
	in.ToolErrors, errs[5] = counter(m, MetricToolErrors, "{call}", "Tool calls that failed (the error went to the model or ended the run).")
	in.ToolAbandoned, errs[6] = counter(m, MetricToolAbandoned, "{call}", "Tool calls abandoned because the tool did not return after its context ended; each left a goroutine behind.")
	in.InputTransformed, errs[7] = counter(m, MetricInputTransformed, "{item}", "Input items the server withheld from the model (input_transformations), by reason.")
	for _, err := range errs {
		if err != nil {
			return &in, err
		}
	}
	return &in, nil
}

func counter(m metric.Meter, name, unit, desc string) (metric.Int64Counter, error) {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil {
		return noop.Int64Counter{}, err
	}
	return c, nil
}

// DurationBuckets returns the bucket boundaries (seconds) the GenAI
// conventions specify for gen_ai.client.operation.duration.
func DurationBuckets() []float64 {
	return []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
}

// TokenBuckets returns the bucket boundaries the GenAI conventions specify
// for gen_ai.client.token.usage: powers of 4 from 1 to 67108864.
func TokenBuckets() []float64 {
	return []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
}
