package web

import (
	"encoding/json"
	"net/http"

	"github.com/callsheet/callsheet"
)

// apiError is the one shape of API errors.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeAPIError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), apiError{Error: apiErrorBody{
		Code: callsheet.ErrorCode(err), Message: callsheet.ErrorMessage(err), Fields: callsheet.ErrorFields(err),
	}})
}

// apiState is what the JSON API keeps between requests.
type apiState struct{}

func newAPIState() *apiState { return &apiState{} }

// apiRoutes registers the JSON API under /api/.
func (s *Server) apiRoutes() {}
