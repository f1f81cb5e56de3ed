// Command bifrost-wasm is bifrost-as's WASM loader built as a Go plugin
// (go build -buildmode=plugin) for the open-source Bifrost HTTP server: one
// config.json plugin entry whose config names a .wasm. It exports the
// symbols Bifrost's SharedObjectPluginLoader looks up.
//
// A Go plugin is loaded once per plugin path, with one set of globals, so
// this .so serves one entry. The build script copies this file into a
// package of its own per slot (bifrost-wasm-1.so, -2, ...): each has its
// own import path, hence its own plugin path and its own Loader.
package main

import (
	"github.com/bifrost-as/bifrost-as/go/bifrost/loader"
	"github.com/maximhq/bifrost/core/schemas"
)

var l loader.Loader

func Init(config any) error { return l.Init(config) }

func GetName() string { return l.GetName() }

func Cleanup() error { return l.Cleanup() }

func HTTPTransportPreHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest) (*schemas.HTTPResponse, error) {
	return l.HTTPTransportPreHook(ctx, req)
}

func HTTPTransportPostHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest, resp *schemas.HTTPResponse) error {
	return l.HTTPTransportPostHook(ctx, req, resp)
}

func HTTPTransportStreamChunkHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest, chunk *schemas.BifrostStreamChunk) (*schemas.BifrostStreamChunk, error) {
	return l.HTTPTransportStreamChunkHook(ctx, req, chunk)
}

func PreLLMHook(ctx *schemas.BifrostContext, req *schemas.BifrostRequest) (*schemas.BifrostRequest, *schemas.LLMPluginShortCircuit, error) {
	return l.PreLLMHook(ctx, req)
}

func PostLLMHook(ctx *schemas.BifrostContext, resp *schemas.BifrostResponse, bifrostErr *schemas.BifrostError) (*schemas.BifrostResponse, *schemas.BifrostError, error) {
	return l.PostLLMHook(ctx, resp, bifrostErr)
}

func main() {}
