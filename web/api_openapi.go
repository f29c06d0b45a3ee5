package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes the JSON API. It is written by hand and kept
// true by the tests, which validate every answer they get against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3 document of the JSON API.
func OpenAPIDocument() []byte { return openAPIDocument }

// handleOpenAPI serves the document without authentication: it describes
// the API and holds nothing of any account.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDocument)
}
