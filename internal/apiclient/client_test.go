package apiclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/apiclient"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// TestGeneratedCodeUpToDate regenerates the client with the generator
// pinned in go.mod and fails unless it is the committed client.gen.go: a
// change to the document must come with the client generated from it.
func TestGeneratedCodeUpToDate(t *testing.T) {
	out := t.TempDir() + "/client.gen.go"
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", out, "../../web/openapi.json")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
			i++
		}
		line := func(l []string) string {
			if i < len(l) {
				return l[i]
			}
			return "(end of file)"
		}
		t.Fatalf("client.gen.go is not what web/openapi.json generates; run go generate ./internal/apiclient.\n"+
			"line %d is\n\t%s\nand should be\n\t%s", i+1, line(gl), line(wl))
	}
}

// server is a running Callsheet with an account, a campaign and an API
// token, and the generated client signed in with that token.
type server struct {
	client   *apiclient.ClientWithResponses
	campaign int64
}

// startServer serves the API over db with the import engine's workers
// running, as the serve command does.
func startServer(t *testing.T, db *sqldb.DB) *server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	ts := httptest.NewServer(web.NewServer(svc, logger).Handler())
	t.Cleanup(ts.Close)
	imp := app.Importer(svc)
	imp.Poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	imp.Start(ctx)

	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Leads")
	token, err := sqldb.NewAPITokenService(db).CreateAPIToken(f.AdminCtx, &callsheet.APIToken{Name: "generated client"})
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	client, err := apiclient.NewClientWithResponses(ts.URL, apiclient.WithRequestEditorFn(bearer))
	if err != nil {
		t.Fatal(err)
	}
	return &server{client: client, campaign: camp.ID}
}

// value builds one of the client's string-or-number union types from v,
// for the fields where which branch is used does not matter to the test.
func value[T any, P interface {
	*T
	json.Unmarshaler
}](t *testing.T, v any) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := P(out).UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGeneratedClient drives the API through the client generated from
// the document: one customer, a batch and a file import, on both engines.
func TestGeneratedClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := startServer(t, db)
		ctx := context.Background()

		// One customer, with the union types' own constructors: strings,
		// and a number where the API takes one.
		var name apiclient.CustomerInput_Name
		must(t, name.FromCustomerInputName0("Noa"))
		var phone apiclient.CustomerInput_Phone
		must(t, phone.FromCustomerInputPhone0("052-623-4567"))
		var extID apiclient.CustomerInput_ExternalId
		must(t, extID.FromCustomerInputExternalId1(12345))
		add := apiclient.AddRequest{CampaignId: s.campaign, Customer: apiclient.CustomerInput{Name: &name, Phone: &phone, ExternalId: &extID}}
		key := "add-noa-1"
		r, err := s.client.AddCustomerWithResponse(ctx, &apiclient.AddCustomerParams{IdempotencyKey: &key}, add)
		must(t, err)
		if r.StatusCode() != http.StatusCreated || r.JSON201 == nil || r.JSON201.Outcome != apiclient.AddResultOutcomeAdded || r.JSON201.CustomerId == nil {
			t.Fatalf("add: %d %s", r.StatusCode(), r.Body)
		}
		noa := *r.JSON201.CustomerId
		// A retry with the same key gets the first answer and adds nothing.
		r, err = s.client.AddCustomerWithResponse(ctx, &apiclient.AddCustomerParams{IdempotencyKey: &key}, add)
		must(t, err)
		if r.StatusCode() != http.StatusCreated || r.JSON201 == nil || *r.JSON201.CustomerId != noa || r.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %v %s", r.StatusCode(), r.HTTPResponse.Header, r.Body)
		}
		c, err := s.client.GetCustomerWithResponse(ctx, noa)
		must(t, err)
		if c.JSON200 == nil || c.JSON200.Name != "Noa" || c.JSON200.Phone != "+972526234567" || c.JSON200.ExternalId != "12345" || c.JSON200.CampaignId != s.campaign {
			t.Fatalf("get %d: %d %s", noa, c.StatusCode(), c.Body)
		}

		// An error answer decodes into the document's error shape.
		r, err = s.client.AddCustomerWithResponse(ctx, nil, apiclient.AddRequest{CampaignId: s.campaign,
			Customer: apiclient.CustomerInput{Name: value[apiclient.CustomerInput_Name](t, "No phone")}})
		must(t, err)
		if r.StatusCode() != http.StatusUnprocessableEntity || r.JSON422 == nil || r.JSON422.Error.Code != apiclient.ErrorErrorCodeInvalid ||
			r.JSON422.Error.Fields == nil || (*r.JSON422.Error.Fields)["phone"] == "" {
			t.Fatalf("add without a phone: %d %s", r.StatusCode(), r.Body)
		}

		// A batch: one new, one already in the campaign, one invalid and
		// one repeating the first, with the valid ones loaded.
		person := func(name, phone string) apiclient.CustomerInput {
			return apiclient.CustomerInput{Name: value[apiclient.CustomerInput_Name](t, name), Phone: value[apiclient.CustomerInput_Phone](t, phone)}
		}
		loadValid := true
		b, err := s.client.AddCustomersWithResponse(ctx, nil, apiclient.BatchRequest{CampaignId: s.campaign,
			Customers: []apiclient.CustomerInput{person("Avi", "050-711-2222"), person("Noa", "052-623-4567"), person("Gil", "12"), person("Avi again", "050 711 2222")},
			Options:   &apiclient.ImportOptions{LoadValid: &loadValid}})
		must(t, err)
		if b.StatusCode() != http.StatusOK || b.JSON200 == nil {
			t.Fatalf("batch: %d %s", b.StatusCode(), b.Body)
		}
		batch := b.JSON200
		wantCounts := apiclient.ImportCounts{Total: 4, Added: 1, SkippedExisting: 1, Invalid: 1, DuplicateInFile: 1}
		if !batch.Applied || batch.DryRun || batch.JobId == 0 || batch.Counts != wantCounts || len(batch.Results) != 4 {
			t.Fatalf("batch: %s", b.Body)
		}
		for i, want := range []apiclient.RowResultOutcome{apiclient.RowResultOutcomeAdded, apiclient.RowResultOutcomeSkippedExisting,
			apiclient.RowResultOutcomeInvalid, apiclient.RowResultOutcomeDuplicateInFile} {
			if res := batch.Results[i]; res.Index != i || res.Outcome != want {
				t.Errorf("batch result %d: %+v, want %s", i, res, want)
			}
		}
		if res := batch.Results[1]; res.CustomerId == nil || *res.CustomerId != noa {
			t.Errorf("the customer already there: %+v, want customer %d", res, noa)
		}
		if res := batch.Results[2]; res.Errors == nil || (*res.Errors)["phone"] == "" {
			t.Errorf("the invalid customer: %+v, want an error of its phone", res)
		}
		if res := batch.Results[3]; res.DuplicateOf == nil || *res.DuplicateOf != 0 {
			t.Errorf("the repeated customer: %+v, want a duplicate of 0", res)
		}

		// A file import, followed until it is done.
		csv := "Name,Phone,Email\nRina,054-765-4321,rina@example.com\nAvi,050-711-2222,\nTal,not a phone,\n"
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		must(t, mw.WriteField("campaign_id", fmt.Sprint(s.campaign)))
		must(t, mw.WriteField("mapping", `{"name": "Name", "phone": "Phone", "email": "Email"}`))
		must(t, mw.WriteField("load_valid", "true"))
		fw, err := mw.CreateFormFile("file", "leads.csv")
		must(t, err)
		io.WriteString(fw, csv)
		must(t, mw.Close())
		im, err := s.client.CreateImportWithBodyWithResponse(ctx, nil, mw.FormDataContentType(), &body)
		must(t, err)
		if im.StatusCode() != http.StatusAccepted || im.JSON202 == nil || im.JSON202.FileName == nil || *im.JSON202.FileName != "leads.csv" {
			t.Fatalf("import: %d %s", im.StatusCode(), im.Body)
		}
		if loc := im.HTTPResponse.Header.Get("Location"); loc != fmt.Sprintf("/api/imports/%d", im.JSON202.Id) {
			t.Errorf("import's Location %q", loc)
		}
		job := waitImport(t, s.client, im.JSON202.Id)
		wantCounts = apiclient.ImportCounts{Total: 3, Added: 1, SkippedExisting: 1, Invalid: 1}
		if job.State != apiclient.ImportStateDone || !job.Applied || job.Counts != wantCounts || job.Progress != 1 || job.RowsRead != 3 {
			t.Fatalf("import finished as %+v", job)
		}
		p, err := s.client.ListImportProblemsWithResponse(ctx, job.Id, nil)
		must(t, err)
		// The report lists the rows not added: Avi, already there from
		// the batch, and Tal's phone.
		if p.JSON200 == nil || p.JSON200.Total != 2 || len(p.JSON200.Items) != 2 {
			t.Fatalf("problems: %d %s", p.StatusCode(), p.Body)
		}
		if prob := p.JSON200.Items[0]; prob.Line != 3 || prob.Outcome != apiclient.ProblemOutcomeSkippedExisting ||
			prob.CustomerId == nil || batch.Results[0].CustomerId == nil || *prob.CustomerId != *batch.Results[0].CustomerId {
			t.Errorf("problem %+v, want line 3 left as the batch added it", prob)
		}
		if prob := p.JSON200.Items[1]; prob.Line != 4 || prob.Outcome != apiclient.ProblemOutcomeInvalid || prob.Column == nil || *prob.Column != "Phone" {
			t.Errorf("problem %+v, want line 4's Phone", prob)
		}

		// The campaign holds exactly the customers added: Noa, Avi, Rina.
		l, err := s.client.ListCustomersWithResponse(ctx, &apiclient.ListCustomersParams{Campaign: &s.campaign})
		must(t, err)
		if l.JSON200 == nil || l.JSON200.Total != 3 {
			t.Fatalf("customers: %d %s", l.StatusCode(), l.Body)
		}
		phones := map[string]string{}
		for _, c := range l.JSON200.Items {
			phones[c.Phone] = c.Name
		}
		if phones["+972526234567"] != "Noa" || phones["+972507112222"] != "Avi" || phones["+972547654321"] != "Rina" {
			t.Errorf("customers by phone: %v", phones)
		}
	})
}

// waitImport polls an import until it is no longer queued or running.
func waitImport(t *testing.T, client *apiclient.ClientWithResponses, id int64) *apiclient.Import {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := client.GetImportWithResponse(context.Background(), id)
		must(t, err)
		if r.JSON200 == nil {
			t.Fatalf("import %d: %d %s", id, r.StatusCode(), r.Body)
		}
		switch r.JSON200.State {
		case apiclient.ImportStateQueued, apiclient.ImportStateRunning:
		default:
			return r.JSON200
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d did not finish: %s", id, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
