package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

// statusOf maps the domain's error codes to HTTP statuses. It is the only
// place that does.
func statusOf(err error) int {
	switch callsheet.ErrorCode(err) {
	case callsheet.EBADREQUEST:
		return http.StatusBadRequest
	case callsheet.EINVALID:
		return http.StatusUnprocessableEntity
	case callsheet.ENOTFOUND:
		return http.StatusNotFound
	case callsheet.ECONFLICT:
		return http.StatusConflict
	case callsheet.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case callsheet.EFORBIDDEN:
		return http.StatusForbidden
	case callsheet.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case callsheet.ERATELIMIT:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// logIfInternal logs errors that are not the user's doing.
func (s *Server) logIfInternal(r *http.Request, err error) {
	if callsheet.ErrorCode(err) == callsheet.EINTERNAL {
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}
