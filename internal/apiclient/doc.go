// Package apiclient is a Go client of Callsheet's JSON API, generated from
// the OpenAPI document (web/openapi.json) by oapi-codegen. Its tests hold
// the document to what outside tools need of it: a client generator
// accepts it, and the client it yields adds customers, one and in a batch,
// and imports a file against a running server on both engines.
//
// Regenerate it after changing the document:
//
//	go generate ./internal/apiclient
package apiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o client.gen.go ../../web/openapi.json
