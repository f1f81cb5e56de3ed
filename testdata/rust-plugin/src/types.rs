//! The JSON the host and the plugin exchange, as serde derive types that
//! mirror Bifrost's Go types (the list in Bifrost's Rust example README).
//!
//! Go's `encoding/json` writes a nil map, slice or pointer as `null` and
//! leaves out nothing, while Bifrost's newer fields and other request kinds
//! mean some fields are simply absent: every struct defaults its missing
//! fields (`#[serde(default)]`) and reads `null` as the default
//! ([`null_as_default`]) where Go may send one. Fields a struct does not name
//! are still lost when it is serialised again, except where a
//! `#[serde(flatten)]` map keeps them.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;

/// Reads `null` (Go's nil map, slice or pointer) as the type's default.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

// ---- context ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BifrostContext {
    pub request_id: Option<String>,

    // Custom values via HashMap
    #[serde(flatten)]
    pub values: HashMap<String, serde_json::Value>,
}

/// The context key Bifrost's HTTP transport sets to the request's type
/// (`chat_completion`, `chat_completion_stream`, ...).
pub const REQUEST_TYPE_KEY: &str = "bifrost-http-request-type";

// The seed's whole helper API, and whether the client asked for a stream.
#[allow(dead_code)]
impl BifrostContext {
    pub fn set_value(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.values.insert(key.to_string(), value.into());
    }

    pub fn get_string(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.as_str())
    }

    pub fn get_bool(&self, key: &str) -> Option<bool> {
        self.values.get(key).and_then(|v| v.as_bool())
    }

    /// Whether the request streams: its request type ends in `_stream`.
    pub fn is_stream(&self) -> bool {
        self.get_string(REQUEST_TYPE_KEY).map_or(false, |t| t.ends_with("_stream"))
    }
}

// ---- HTTP transport ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HTTPRequest {
    #[serde(deserialize_with = "null_as_default")]
    pub method: String,
    #[serde(deserialize_with = "null_as_default")]
    pub path: String,
    #[serde(deserialize_with = "null_as_default")]
    pub headers: HashMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    pub query: HashMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    pub body: String, // base64 encoded; null without a body (and after a stream)
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HTTPResponse {
    #[serde(deserialize_with = "null_as_default")]
    pub status_code: i32,
    #[serde(deserialize_with = "null_as_default")]
    pub headers: HashMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    pub body: String, // base64 encoded; null after a stream
}

// ---- chat completion ----

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ChatMessageRole {
    User,
    Assistant,
    System,
    Tool,
    Developer,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ChatContentBlock {
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub block_type: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChatMessageContent {
    Text(String),
    Blocks(Vec<ChatContentBlock>),
}

/// A tool call's function; a streamed delta carries only a piece of `arguments`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FunctionCall {
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub arguments: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ToolCall {
    /// Which call a streamed delta continues.
    pub index: Option<u32>,
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub call_type: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub function: FunctionCall,
}

/// A message, or a streamed delta of one (which names its role only in the first chunk).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ChatMessage {
    pub role: Option<ChatMessageRole>,
    pub content: Option<ChatMessageContent>,
    pub name: Option<String>,
    pub tool_call_id: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ChatTool {
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub tool_type: String,
    pub function: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ChatParameters {
    pub temperature: Option<f64>,
    pub max_completion_tokens: Option<i32>,
    pub top_p: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub presence_penalty: Option<f64>,
    pub stop: Option<Vec<String>>,
    pub tools: Option<Vec<ChatTool>>,

    #[serde(flatten)]
    pub extra: HashMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Fallback {
    #[serde(deserialize_with = "null_as_default")]
    pub provider: String,
    #[serde(deserialize_with = "null_as_default")]
    pub model: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BifrostChatRequest {
    /// The core's request type (`chat_completion_stream` for a stream), which bifrost-as's loader and local gateway
    /// send: Bifrost's transport names the route in the context (`chat_completion` for a streamed chat too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub provider: String,
    #[serde(deserialize_with = "null_as_default")]
    pub model: String,
    #[serde(deserialize_with = "null_as_default")]
    pub input: Vec<ChatMessage>,
    pub params: Option<ChatParameters>,
    pub fallbacks: Option<Vec<Fallback>>,
}

// ---- responses ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LLMUsage {
    #[serde(deserialize_with = "null_as_default")]
    pub prompt_tokens: i32,
    #[serde(deserialize_with = "null_as_default")]
    pub completion_tokens: i32,
    #[serde(deserialize_with = "null_as_default")]
    pub total_tokens: i32,
}

/// A choice of a whole answer (`message`) or of a streamed chunk (`delta`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ResponseChoice {
    #[serde(deserialize_with = "null_as_default")]
    pub index: i32,
    pub message: Option<ChatMessage>,
    pub delta: Option<ChatMessage>,
    pub finish_reason: Option<String>,
}

/// A chat completion, or one `chat.completion.chunk` of a stream (post_hook
/// sees each; the usage comes in the last one, if at all).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BifrostChatResponse {
    #[serde(deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub model: String,
    #[serde(deserialize_with = "null_as_default")]
    pub choices: Vec<ResponseChoice>,
    pub usage: Option<LLMUsage>,
    pub created: Option<i64>,
    pub object: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BifrostResponse {
    pub chat_response: Option<BifrostChatResponse>,
}

// ---- errors ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ErrorField {
    #[serde(deserialize_with = "null_as_default")]
    pub message: String,
    #[serde(rename = "type")]
    pub error_type: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BifrostError {
    #[serde(deserialize_with = "null_as_default")]
    pub error: ErrorField,
    pub status_code: Option<i32>,
    pub allow_fallbacks: Option<bool>,
}

impl BifrostError {
    pub fn new(message: &str) -> Self {
        BifrostError { error: ErrorField { message: message.to_string(), ..Default::default() }, ..Default::default() }
    }

    pub fn with_type(mut self, error_type: &str) -> Self {
        self.error.error_type = Some(error_type.to_string());
        self
    }

    pub fn with_code(mut self, code: &str) -> Self {
        self.error.code = Some(code.to_string());
        self
    }

    pub fn with_status(mut self, status: i32) -> Self {
        self.status_code = Some(status);
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LLMPluginShortCircuit {
    pub response: Option<BifrostResponse>,
    pub error: Option<BifrostError>,
}

// ---- hook inputs and outputs ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HTTPInterceptInput {
    #[serde(deserialize_with = "null_as_default")]
    pub context: BifrostContext,
    #[serde(deserialize_with = "null_as_default")]
    pub request: HTTPRequest,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPInterceptOutput {
    pub context: BifrostContext,
    pub request: Option<HTTPRequest>,
    pub response: Option<HTTPResponse>,
    pub has_response: bool,
    pub error: String,
}

/// After a stream Bifrost sends the request without its body and the
/// response's status and headers without a body.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HTTPPostHookInput {
    #[serde(deserialize_with = "null_as_default")]
    pub context: BifrostContext,
    #[serde(deserialize_with = "null_as_default")]
    pub request: HTTPRequest,
    #[serde(deserialize_with = "null_as_default")]
    pub response: HTTPResponse,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPPostHookOutput {
    pub context: BifrostContext,
    pub response: Option<HTTPResponse>,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HTTPStreamChunkInput {
    #[serde(deserialize_with = "null_as_default")]
    pub context: BifrostContext,
    pub chunk: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPStreamChunkOutput {
    pub context: BifrostContext,
    pub chunk: serde_json::Value,
    pub has_chunk: bool,
    pub skip: bool,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PreHookInput {
    #[serde(deserialize_with = "null_as_default")]
    pub context: BifrostContext,
    #[serde(deserialize_with = "null_as_default")]
    pub request: BifrostChatRequest,
}

impl PreHookInput {
    pub fn get_provider_model(&self) -> (&str, &str) {
        (&self.request.provider, &self.request.model)
    }

    /// Whether the client asked for a stream: the context's request type or the request's own ends in `_stream`.
    pub fn is_stream(&self) -> bool {
        self.context.is_stream() || self.request.request_type.as_deref().map_or(false, |t| t.ends_with("_stream"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PreHookOutput {
    pub context: BifrostContext,
    pub request: Option<BifrostChatRequest>,
    pub short_circuit: Option<LLMPluginShortCircuit>,
    pub has_short_circuit: bool,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PostHookInput {
    #[serde(deserialize_with = "null_as_default")]
    pub context: BifrostContext,
    pub response: serde_json::Value,
    pub error: serde_json::Value,
    #[serde(deserialize_with = "null_as_default")]
    pub has_error: bool,
}

// Read in place (`&Value` is a deserializer): no copy of the response or error.
impl PostHookInput {
    pub fn parse_response(&self) -> Option<BifrostResponse> {
        BifrostResponse::deserialize(&self.response).ok()
    }

    pub fn parse_error(&self) -> Option<BifrostError> {
        BifrostError::deserialize(&self.error).ok()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PostHookOutput {
    pub context: BifrostContext,
    pub response: serde_json::Value,
    pub error: serde_json::Value,
    pub has_error: bool,
    pub hook_error: String,
}
