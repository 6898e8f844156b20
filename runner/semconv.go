package runner

import (
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// Every attribute key and value the runner emits lives in this file, so that
// the coming GenAI semantic-convention rename is a one-file change. Keys come
// from semconv v1.41.0, the last release with the GenAI keys.
const (
	opInvokeAgent = "invoke_agent"
	opChat        = "chat"
	opExecuteTool = "execute_tool"
	providerName  = "openai"
	apiType       = "responses"
	scopeName     = "github.com/agentloop/agentloop/runner"

	// OpenInference span kinds, read by Phoenix and Langfuse.
	oiKindAgent = "AGENT"
	oiKindLLM   = "LLM"
	oiKindTool  = "TOOL"
)

var (
	keyOperation       = semconv.GenAIOperationNameKey
	keyProvider        = semconv.GenAIProviderNameKey
	keyAgentName       = semconv.GenAIAgentNameKey
	keyConversationID  = semconv.GenAIConversationIDKey
	keyRequestModel    = semconv.GenAIRequestModelKey
	keyRequestStream   = semconv.GenAIRequestStreamKey
	keyRequestMaxTok   = semconv.GenAIRequestMaxTokensKey
	keyRequestTemp     = semconv.GenAIRequestTemperatureKey
	keyRequestTopP     = semconv.GenAIRequestTopPKey
	keyResponseID      = semconv.GenAIResponseIDKey
	keyResponseModel   = semconv.GenAIResponseModelKey
	keyFinishReasons   = semconv.GenAIResponseFinishReasonsKey
	keyTTFC            = semconv.GenAIResponseTimeToFirstChunkKey
	keyInputTokens     = semconv.GenAIUsageInputTokensKey
	keyOutputTokens    = semconv.GenAIUsageOutputTokensKey
	keyCachedTokens    = semconv.GenAIUsageCacheReadInputTokensKey
	keyReasoningTokens = semconv.GenAIUsageReasoningOutputTokensKey
	keyToolName        = semconv.GenAIToolNameKey
	keyToolCallID      = semconv.GenAIToolCallIDKey
	keyToolType        = semconv.GenAIToolTypeKey
	keyToolDescription = semconv.GenAIToolDescriptionKey
	keyToolArguments   = semconv.GenAIToolCallArgumentsKey
	keyToolResult      = semconv.GenAIToolCallResultKey
	keySystemInstr     = semconv.GenAISystemInstructionsKey
	keyInputMessages   = semconv.GenAIInputMessagesKey
	keyOutputMessages  = semconv.GenAIOutputMessagesKey
	keyErrorType       = semconv.ErrorTypeKey
	keyServerAddress   = semconv.ServerAddressKey
	keyServerPort      = semconv.ServerPortKey
	keyOpenAIAPIType   = semconv.OpenAIAPITypeKey
	keyServiceTier     = semconv.OpenAIResponseServiceTierKey

	keyPreviousResponseID = attribute.Key("gen_ai.request.previous_response.id")
	keyOIKind             = attribute.Key("openinference.span.kind")
	keyInputValue         = attribute.Key("input.value")
	keyOutputValue        = attribute.Key("output.value")
	keyTurns              = attribute.Key("agentloop.turns")
	keyRetryAttempt       = attribute.Key("agentloop.retry.attempt")
)
