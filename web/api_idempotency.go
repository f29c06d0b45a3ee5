package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"

	"github.com/callsheet/callsheet"
)

// idempotencyHeader names the key a client sends to make a POST safe to
// retry; replayedHeader marks an answer given again.
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
)

// replayedHeaders are the headers of an answer that a replay gives again;
// the rest (dates, security headers) belong to each response.
var replayedHeaders = []string{"Content-Type", "Location"}

// fingerprintFunc reads a request far enough to tell it apart from
// another, and returns a hash of what it reads. It must leave the request
// readable by the handler.
type fingerprintFunc func(w http.ResponseWriter, r *http.Request) (string, error)

// idempotent wraps a POST handler so that a request with an
// Idempotency-Key runs once: a retry with the same key and the same
// request gets the first answer again and changes nothing. Requests
// without the header run as usual.
func (s *Server) idempotent(fp fingerprintFunc, h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get(idempotencyHeader)
		if key == "" {
			return h(w, r)
		}
		if err := checkIdempotencyKey(key); err != nil {
			return err
		}
		if s.api.idem == nil {
			return callsheet.Errorf(callsheet.EBADREQUEST, "This server does not keep idempotency keys; send the request without %s.", idempotencyHeader)
		}
		sum, err := fp(w, r)
		if err != nil {
			return err
		}
		return s.runIdempotent(w, r, key, sum, h)
	}
}

// runIdempotent runs h under an idempotency key whose request hashes to
// sum, or replays the answer the key already has.
func (s *Server) runIdempotent(w http.ResponseWriter, r *http.Request, key, sum string, h apiHandler) error {
	ctx := r.Context()
	stored, err := s.api.idem.BeginRequest(ctx, key, sum)
	if err != nil {
		return err
	}
	if stored != nil {
		for k, v := range stored.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set(replayedHeader, "true")
		w.WriteHeader(stored.Status)
		w.Write(stored.Body)
		return nil
	}
	// The request runs to its end, and its answer is stored, even if the
	// client has gone (its timeout, a dropped connection): its retry must
	// find what it did. Cut off half-way, it would leave the client in
	// doubt, and a commit cut off may have happened or not.
	keep := context.WithoutCancel(ctx)
	rec := &recorder{ResponseWriter: w}
	finished := false
	defer func() {
		if !finished {
			// A panic: let a retry run the request again.
			s.api.idem.AbandonRequest(keep, key)
		}
	}()
	err = h(rec, r.WithContext(keep))
	if err != nil {
		s.apiFail(rec, r, err)
	}
	finished = true
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	// A run stopped from inside (its job taken over, say) says nothing
	// about the request either: the request was read whole before it ran.
	if rec.status >= 500 || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// A server error says nothing about the request; a retry may work.
		if err := s.api.idem.AbandonRequest(keep, key); err != nil {
			s.Logger.Error("abandon idempotency key", "err", err)
		}
		return nil
	}
	resp := &callsheet.StoredResponse{Status: rec.status, Header: map[string]string{}, Body: rec.body.Bytes()}
	for _, k := range replayedHeaders {
		if v := rec.Header().Get(k); v != "" {
			resp.Header[k] = v
		}
	}
	if err := s.api.idem.FinishRequest(keep, key, resp); err != nil {
		s.Logger.Error("store idempotent answer", "path", r.URL.Path, "err", err)
	}
	return nil
}

// checkIdempotencyKey accepts keys of visible ASCII characters, such as
// UUIDs, within the length the store keeps.
func checkIdempotencyKey(key string) error {
	bad := len(key) > callsheet.MaxIdempotencyKeyLength
	for i := 0; i < len(key) && !bad; i++ {
		bad = key[i] < 0x21 || key[i] > 0x7e
	}
	if bad {
		msg := "An Idempotency-Key has 1 to 255 visible ASCII characters, such as a UUID."
		return &callsheet.Error{Code: callsheet.EBADREQUEST, Message: msg, Fields: map[string]string{"Idempotency-Key": msg}}
	}
	return nil
}

// recorder passes an answer through to the client and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	rw.body.Write(b)
	return rw.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// requestHash starts the hash of a request with its method and URL.
func requestHash(r *http.Request) hash.Hash {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n")
	return h
}

// bodyFingerprint hashes the method, URL and body. The body is read into
// memory, within the body limit, and given back to the handler.
func (s *Server) bodyFingerprint(w http.ResponseWriter, r *http.Request) (string, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.api.limits.MaxBody))
	if err != nil {
		return "", requestError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := requestHash(r)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// uploadFingerprint hashes an upload by its form values and files rather
// than its bytes: clients pick a new multipart boundary for every try, so
// the same upload never has the same body twice.
func (s *Server) uploadFingerprint(w http.ResponseWriter, r *http.Request) (string, error) {
	if err := s.parseUpload(w, r); err != nil {
		return "", err
	}
	h := requestHash(r)
	form := r.MultipartForm
	names := make([]string, 0, len(form.Value))
	for k := range form.Value {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range form.Value[k] {
			io.WriteString(h, strconv.Quote(k)+"="+strconv.Quote(v)+"\n")
		}
	}
	names = names[:0]
	for k := range form.File {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, fh := range form.File[k] {
			io.WriteString(h, strconv.Quote(k)+" file "+strconv.Quote(fh.Filename)+" "+strconv.FormatInt(fh.Size, 10)+"\n")
			if err := hashFile(h, fh); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h hash.Hash, fh *multipart.FileHeader) error {
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

// uploadMemory is how much of an upload is kept in memory; the rest of a
// file waits on disk until it is stored.
const uploadMemory = 8 << 20

// parseUpload reads a multipart upload within the upload limit, once.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) error {
	if r.MultipartForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.api.limits.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		if err == http.ErrNotMultipart || err == http.ErrMissingBoundary {
			return callsheet.Errorf(callsheet.EBADREQUEST, "Send the file as multipart/form-data.")
		}
		if isTooLarge(err) {
			return uploadTooLarge(s.api.limits.MaxUpload) // not the read's limit, which has room for the fields
		}
		if e := requestError(err); callsheet.ErrorCode(e) != callsheet.EINTERNAL {
			return e
		}
		return callsheet.Errorf(callsheet.EBADREQUEST, "The upload could not be read: %v.", err)
	}
	for _, files := range r.MultipartForm.File {
		for _, fh := range files {
			if fh.Size > s.api.limits.MaxUpload {
				return callsheet.Errorf(callsheet.ETOOLARGE, "The file %s is larger than the limit of %s.", fh.Filename, formatBytes(s.api.limits.MaxUpload))
			}
		}
	}
	return nil
}

// removeUpload deletes the temporary files of an upload.
func removeUpload(r *http.Request) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
}
