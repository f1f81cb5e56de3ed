//! hello-world-wasm-rust: a Bifrost WASM plugin in Rust, written the way
//! Bifrost's Rust example README describes one (serde derive types,
//! `serde_json::from_str(..).unwrap()`, `#[no_mangle] extern "C"` exports).
//!
//! - `pre_hook`: marks the context; `mock-model` is answered with a mock
//!   response (for a streamed request, as the one `chat.completion.chunk`
//!   Bifrost streams it as), `rate-limited-model` is refused with a 429
//!   `rate_limit` error; anything else passes through.
//! - `post_hook`: appends " (via rust-wasm)" to a response's model (Bifrost
//!   calls it for every chunk of a stream too) and " (via rust plugin)" to an
//!   error's message.
//! - `http_intercept` (and its current name `http_pre_hook`): marks the context.
//! - `http_post_hook` and `http_stream_chunk_hook` pass everything through:
//!   with them the plugin has both export profiles, legacy and current, so
//!   it loads whichever names a Bifrost version calls.
//!
//! Its types read what Bifrost really sends (Go's nulls, missing fields,
//! stream chunks, the HTTP post hook after a stream without bodies), but
//! input that does not parse (not JSON, wrong types, nesting deeper than
//! serde_json's limit) still panics in `.unwrap()`, and a panic on wasm32 is
//! a trap; and what a hook returns is its types serialised again. That is
//! what this plugin is for: showing what the toolkit says about such plugins.

mod memory;
mod types;

#[cfg(not(target_os = "wasi"))]
pub use memory::{free, malloc};
use memory::{read_string, write_string};
use types::*;

const PLUGIN_NAME: &str = "hello-world-wasm-rust";

#[no_mangle]
pub extern "C" fn get_name() -> u64 {
    write_string(PLUGIN_NAME)
}

#[no_mangle]
pub extern "C" fn init(config_ptr: u32, config_len: u32) -> i32 {
    let config = read_string(config_ptr, config_len);
    // A WASI build can write to stderr, as a TinyGo plugin does with fmt: the host keeps it as the plugin's log.
    #[cfg(target_os = "wasi")]
    eprintln!("{PLUGIN_NAME}: init with {} bytes of config", config.len());
    match serde_json::from_str::<serde_json::Value>(&config) {
        Ok(_) => 0,
        Err(_) => 1,
    }
}

#[no_mangle]
pub extern "C" fn http_intercept(input_ptr: u32, input_len: u32) -> u64 {
    let input_str = read_string(input_ptr, input_len);
    let input: HTTPInterceptInput = serde_json::from_str(&input_str).unwrap();

    let mut output = HTTPInterceptOutput { context: input.context, ..Default::default() };
    output.context.set_value("http_intercepted", serde_json::json!(true));
    write_string(&serde_json::to_string(&output).unwrap())
}

/// The current name of `http_intercept`: Bifrost calls one or the other.
#[no_mangle]
pub extern "C" fn http_pre_hook(input_ptr: u32, input_len: u32) -> u64 {
    http_intercept(input_ptr, input_len)
}

#[no_mangle]
pub extern "C" fn http_post_hook(input_ptr: u32, input_len: u32) -> u64 {
    let input_str = read_string(input_ptr, input_len);
    let input: HTTPPostHookInput = serde_json::from_str(&input_str).unwrap();

    let output = HTTPPostHookOutput { context: input.context, ..Default::default() };
    write_string(&serde_json::to_string(&output).unwrap())
}

#[no_mangle]
pub extern "C" fn http_stream_chunk_hook(input_ptr: u32, input_len: u32) -> u64 {
    let input_str = read_string(input_ptr, input_len);
    let input: HTTPStreamChunkInput = serde_json::from_str(&input_str).unwrap();

    let output = HTTPStreamChunkOutput {
        context: input.context,
        has_chunk: !input.chunk.is_null(),
        chunk: input.chunk,
        ..Default::default()
    };
    write_string(&serde_json::to_string(&output).unwrap())
}

#[no_mangle]
pub extern "C" fn pre_hook(input_ptr: u32, input_len: u32) -> u64 {
    let input_str = read_string(input_ptr, input_len);
    let input: PreHookInput = serde_json::from_str(&input_str).unwrap();

    let mut output = PreHookOutput { context: input.context.clone(), ..Default::default() };
    output.context.set_value("plugin_processed", serde_json::json!(true));
    output.context.set_value("plugin_name", serde_json::json!(PLUGIN_NAME));

    let (_provider, model) = input.get_provider_model();

    if model == "mock-model" {
        let message = ChatMessage {
            role: Some(ChatMessageRole::Assistant),
            content: Some(ChatMessageContent::Text("This is a mock response!".to_string())),
            ..Default::default()
        };
        // Bifrost streams a short-circuit as one chunk, as it is: a stream gets a chunk with a delta.
        let streamed = input.is_stream();
        let mut choice = ResponseChoice { index: 0, finish_reason: Some("stop".to_string()), ..Default::default() };
        if streamed {
            choice.delta = Some(message);
        } else {
            choice.message = Some(message);
        }
        let mock_response = BifrostResponse {
            chat_response: Some(BifrostChatResponse {
                id: format!("mock-{}", input.context.request_id.as_deref().unwrap_or_default()),
                model: "mock-model".to_string(),
                choices: vec![choice],
                usage: Some(LLMUsage { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 }),
                object: streamed.then(|| "chat.completion.chunk".to_string()),
                ..Default::default()
            }),
        };
        output.has_short_circuit = true;
        output.short_circuit = Some(LLMPluginShortCircuit { response: Some(mock_response), error: None });
        return write_string(&serde_json::to_string(&output).unwrap());
    }

    if model == "rate-limited-model" {
        output.has_short_circuit = true;
        output.short_circuit = Some(LLMPluginShortCircuit {
            response: None,
            error: Some(
                BifrostError::new("Rate limit exceeded").with_type("rate_limit").with_code("429").with_status(429),
            ),
        });
        return write_string(&serde_json::to_string(&output).unwrap());
    }

    // Pass through
    write_string(&serde_json::to_string(&output).unwrap())
}

#[no_mangle]
pub extern "C" fn post_hook(input_ptr: u32, input_len: u32) -> u64 {
    let input_str = read_string(input_ptr, input_len);
    let input: PostHookInput = serde_json::from_str(&input_str).unwrap();

    let mut output = PostHookOutput { context: input.context.clone(), ..Default::default() };
    output.context.set_value("post_hook_completed", serde_json::json!(true));

    // Handle errors
    if input.has_error {
        output.has_error = true;
        output.error = match input.parse_error() {
            Some(mut error) => {
                error.error.message = format!("{} (via rust plugin)", error.error.message);
                serde_json::to_value(&error).unwrap_or_default()
            }
            None => input.error,
        };
        return write_string(&serde_json::to_string(&output).unwrap());
    }

    // Modify the response: a marker on the model name
    if let Some(mut response) = input.parse_response() {
        if let Some(ref mut chat) = response.chat_response {
            chat.model = format!("{} (via rust-wasm)", chat.model);
        }
        output.response = serde_json::to_value(&response).unwrap_or_default();
    }

    write_string(&serde_json::to_string(&output).unwrap())
}

#[no_mangle]
pub extern "C" fn cleanup() -> i32 {
    0
}
