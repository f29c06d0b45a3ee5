package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// countingReader counts the bytes a handler read of a request body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader gives size bytes of a repeated line, made as they are read,
// so a test can send a large body without holding it.
type repeatReader struct {
	line string
	size int64
	off  int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.off < r.size {
		p[n] = r.line[r.off%int64(len(r.line))]
		n++
		r.off++
	}
	return n, nil
}

const boundary = "xXxBoundaryxXx"

// multipartBody is an upload of a file of size bytes, with the csrf field
// first when token is not "-", as a browser sends Callsheet's form.
func multipartBody(token string, size int64) *countingReader {
	var head strings.Builder
	if token != "-" {
		fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n", boundary, token)
	}
	fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=\"unique\"\r\n\r\nany\r\n", boundary)
	fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\nName,Phone\n", boundary)
	tail := "\r\n--" + boundary + "--\r\n"
	return &countingReader{r: io.MultiReader(strings.NewReader(head.String()), &repeatReader{line: "Noa,052-623-4567\n", size: size}, strings.NewReader(tail))}
}

// uiUpload posts an upload to the import wizard as the session does,
// straight to the handler, so that the bytes it reads can be counted.
func uiUpload(t *testing.T, e *apiEnv, session string, header map[string]string, body *countingReader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", fmt.Sprintf("/campaigns/%d/import", e.camp.ID), body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.AddCookie(&http.Cookie{Name: "cs_session", Value: session})
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// sessionOf logs an admin in and returns the session cookie and the
// session's CSRF token.
func sessionOf(t *testing.T, e *apiEnv) (string, string) {
	t.Helper()
	c := newClient(t, e.ts.URL)
	c.login(e.f.Admin.Login, storetest.Password)
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "cs_session" {
			return ck.Value, c.csrf
		}
	}
	t.Fatal("no session cookie")
	return "", ""
}

// TestUploadRefusedBeforeBody: a forged upload, from another site or
// without the session's token first, is refused having read next to
// nothing of a 64 MiB body.
func TestUploadRefusedBeforeBody(t *testing.T) { storetest.Each(t, testUploadRefusedBeforeBody) }

func testUploadRefusedBeforeBody(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	session, token := sessionOf(t, e)
	const big = 64 << 20
	sameSite := map[string]string{"Sec-Fetch-Site": "same-origin"}
	cases := []struct {
		name   string
		header map[string]string
		token  string
	}{
		{"another site, with the token", map[string]string{"Sec-Fetch-Site": "cross-site"}, token},
		{"another origin, with the token", map[string]string{"Origin": "https://evil.example"}, token},
		{"a wrong token", sameSite, "forged-token"},
		{"no token", sameSite, "-"},
		{"a wrong token in the header", map[string]string{"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": "wrong"}, token},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := multipartBody(c.token, big)
			rec := uiUpload(t, e, session, c.header, body)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403", rec.Code)
			}
			if body.n >= 1<<20 {
				t.Fatalf("read %d bytes of the body before refusing it", body.n)
			}
			if !strings.Contains(rec.Body.String(), "did not come from Callsheet") {
				t.Fatalf("page: %s", rec.Body.String())
			}
		})
	}
	_, n, err := e.svc.Imports.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{})
	if err != nil || n != 0 {
		t.Fatalf("a refused upload made %d imports (%v)", n, err)
	}

	t.Run("from the page, the token first", func(t *testing.T) {
		rec := uiUpload(t, e, session, sameSite, multipartBody(token, 1000))
		if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "/mapping") {
			t.Fatalf("status %d, location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	})
	t.Run("from a script, the token in the header", func(t *testing.T) {
		rec := uiUpload(t, e, session, map[string]string{"X-CSRF-Token": token}, multipartBody("-", 1000))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// TestUploadLimitMessage: an upload over the limit is refused naming the
// limit the server was given, not the larger one its read allows.
func TestUploadLimitMessage(t *testing.T) { storetest.Each(t, testUploadLimitMessage) }

func testUploadLimitMessage(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	e.srv.SetAPILimits(web.APILimits{MaxUpload: 3 << 20})
	session, token := sessionOf(t, e)
	for _, size := range []int64{3<<20 + 512<<10, 5 << 20} {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			rec := uiUpload(t, e, session, map[string]string{"Sec-Fetch-Site": "same-origin"}, multipartBody(token, size))
			if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(stripIsolates(rec.Body.String()), "limit of 3 MiB") {
				t.Fatalf("page: %d %s", rec.Code, rec.Body)
			}
			var b bytes.Buffer
			io.Copy(&b, multipartBody("-", size))
			er := e.do(call{Method: "POST", Path: "/api/imports", Body: b.Bytes(),
				ContentType: "multipart/form-data; boundary=" + boundary}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
			if !strings.Contains(er.Error.Message, "3 MiB") || strings.Contains(er.Error.Message, "4 MiB") {
				t.Fatalf("message %q", er.Error.Message)
			}
		})
	}
}
