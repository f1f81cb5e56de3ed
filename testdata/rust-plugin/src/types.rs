//! The JSON the host and the plugin exchange, as serde derive types that
//! mirror Bifrost's Go types (the list in Bifrost's Rust example README).
//! Fields a struct does not name are lost when it is serialised again,
//! except where a `#[serde(flatten)]` map keeps them.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

// ---- context ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BifrostContext {
    pub request_id: Option<String>,

    // Custom values via HashMap
    #[serde(flatten)]
    pub values: HashMap<String, serde_json::Value>,
}

// The seed's whole helper API, though this plugin reads no context value.
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
}

// ---- HTTP transport ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPRequest {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub query: HashMap<String, String>,
    pub body: String, // base64 encoded
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPResponse {
    pub status_code: i32,
    pub headers: HashMap<String, String>,
    pub body: String, // base64 encoded
}

// ---- chat completion ----

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ChatMessageRole {
    User,
    #[default]
    Assistant,
    System,
    Tool,
    Developer,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatContentBlock {
    #[serde(rename = "type")]
    pub block_type: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChatMessageContent {
    Text(String),
    Blocks(Vec<ChatContentBlock>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub call_type: Option<String>,
    pub function: FunctionCall,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ChatMessage {
    pub role: ChatMessageRole,
    pub content: Option<ChatMessageContent>,
    pub name: Option<String>,
    pub tool_call_id: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatTool {
    #[serde(rename = "type")]
    pub tool_type: String,
    pub function: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
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
pub struct Fallback {
    pub provider: String,
    pub model: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BifrostChatRequest {
    pub provider: String,
    pub model: String,
    pub input: Vec<ChatMessage>,
    pub params: Option<ChatParameters>,
    pub fallbacks: Option<Vec<Fallback>>,
}

// ---- responses ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct LLMUsage {
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub total_tokens: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ResponseChoice {
    pub index: i32,
    pub message: Option<ChatMessage>,
    pub delta: Option<ChatMessage>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BifrostChatResponse {
    pub id: String,
    pub model: String,
    pub choices: Vec<ResponseChoice>,
    pub usage: Option<LLMUsage>,
    pub created: Option<i64>,
    pub object: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BifrostResponse {
    pub chat_response: Option<BifrostChatResponse>,
}

// ---- errors ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ErrorField {
    pub message: String,
    #[serde(rename = "type")]
    pub error_type: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BifrostError {
    pub error: ErrorField,
    pub status_code: Option<i32>,
    pub allow_fallbacks: Option<bool>,
}

impl BifrostError {
    pub fn new(message: &str) -> Self {
        BifrostError {
            error: ErrorField { message: message.to_string(), ..Default::default() },
            ..Default::default()
        }
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
pub struct LLMPluginShortCircuit {
    pub response: Option<BifrostResponse>,
    pub error: Option<BifrostError>,
}

// ---- hook inputs and outputs ----

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPInterceptInput {
    pub context: BifrostContext,
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

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPPostHookInput {
    pub context: BifrostContext,
    pub request: HTTPRequest,
    pub response: HTTPResponse,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPPostHookOutput {
    pub context: BifrostContext,
    pub response: Option<HTTPResponse>,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct HTTPStreamChunkInput {
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
pub struct PreHookInput {
    pub context: BifrostContext,
    pub request: BifrostChatRequest,
}

impl PreHookInput {
    pub fn get_provider_model(&self) -> (&str, &str) {
        (&self.request.provider, &self.request.model)
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
pub struct PostHookInput {
    pub context: BifrostContext,
    pub response: serde_json::Value,
    pub error: serde_json::Value,
    pub has_error: bool,
}

impl PostHookInput {
    pub fn parse_response(&self) -> Option<BifrostResponse> {
        serde_json::from_value(self.response.clone()).ok()
    }

    pub fn parse_error(&self) -> Option<BifrostError> {
        serde_json::from_value(self.error.clone()).ok()
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
