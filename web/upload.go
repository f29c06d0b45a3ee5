package web

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"github.com/callsheet/callsheet"
)

// errForged answers a state-changing request that did not come from one
// of Callsheet's pages, or came from one too old to carry the session's
// token.
var errForged = callsheet.Errorf(callsheet.EFORBIDDEN, "The form has expired or did not come from Callsheet. Go back, reload the page and try again.")

// maxTokenField bounds the read of a form's csrf field: a token is 32
// characters, and anything much longer is not one.
const maxTokenField = 256

// uploadTooLarge says an upload is over the limit, naming the limit the
// server was given: the body may be read a little past it, for the form's
// other fields, but that slack is not the user's concern.
func uploadTooLarge(limit int64) error {
	return callsheet.Errorf(callsheet.ETOOLARGE, "The file is larger than the limit of %s. Split it into smaller files.", formatBytes(limit))
}

// readUpload checks the CSRF token of a multipart upload from a page and
// then reads the upload within the upload limit. The token is the
// X-CSRF-Token header or else the form's first field, csrf: browsers send
// a form's fields in the order of the page, and Callsheet's upload form
// puts the token first. So a forged upload is refused after reading no
// more than the first field, never the file. The token stays out of the
// URL, where logs and history would keep it.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, want string) error {
	limit := s.api.limits.MaxUpload
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	if err := r.ParseForm(); err != nil { // the query only: the body is multipart
		return callsheet.Errorf(callsheet.EBADREQUEST, "The upload could not be read. Try again.")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return callsheet.Errorf(callsheet.EBADREQUEST, "The upload could not be read. Try again.")
	}
	got, fromBody := r.Header.Get("X-CSRF-Token"), false
	if got == "" {
		p, err := mr.NextPart()
		if err != nil {
			return uploadError(err, limit)
		}
		if p.FormName() != "csrf" || p.FileName() != "" {
			return errForged
		}
		b, err := io.ReadAll(io.LimitReader(p, maxTokenField))
		if err != nil {
			return uploadError(err, limit)
		}
		got, fromBody = string(b), true
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errForged
	}
	form, err := mr.ReadForm(32 << 20)
	if err != nil {
		return uploadError(err, limit)
	}
	r.MultipartForm = form
	for _, files := range form.File {
		for _, fh := range files {
			if fh.Size > limit {
				return uploadTooLarge(limit)
			}
		}
	}
	if fromBody {
		form.Value["csrf"] = append([]string{got}, form.Value["csrf"]...)
	}
	for k, v := range form.Value {
		r.Form[k] = append(r.Form[k], v...)
		r.PostForm[k] = append(r.PostForm[k], v...)
	}
	return nil
}

// uploadError explains why an upload could not be read.
func uploadError(err error, limit int64) error {
	if isTooLarge(err) {
		return uploadTooLarge(limit)
	}
	if errors.Is(err, io.EOF) {
		return errForged // an empty form carries no token
	}
	return callsheet.Errorf(callsheet.EBADREQUEST, "The upload could not be read. Try again.")
}

// isTooLarge reports whether reading stopped at the body's limit.
func isTooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}
