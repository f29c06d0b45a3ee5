package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// import --json says which agents it gave the campaign and how many
// customers it removed from which campaigns; --agents unassign and refuse
// do what they say, and refuse names the agents and the flags.
func TestImportAgentsAndRemovals(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	for _, c := range []string{"Other", "Target", "Third", "Fourth"} {
		runOK(t, "campaign", "create", "--db", db, "--account", "Acme", "--name", c)
	}
	runOK(t, "user", "create", "--db", db, "--account", "Acme", "--name", "Dana Levi", "--login", "dana", "--role", "agent",
		"--campaigns", "Other", "--password", "password123")
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := file("old.csv", "name,phone\nOld,052-623-4567\n")
	runOK(t, "import", "--db", db, "--account", "Acme", "--campaign", "Other", "--file", old)
	upload := file("upload.csv", "name,phone,agent\nDana,052-623-4567,Dana Levi\nNoa,053-222-3333,Dana Levi\n")
	args := func(campaign string, more ...string) []string {
		return append([]string{"import", "--db", db, "--account", "Acme", "--campaign", campaign, "--file", upload, "--map", "name=name,phone=phone,agent=agent"}, more...)
	}

	var got struct {
		Moved            int `json:"moved"`
		Added            int `json:"added"`
		RemovedElsewhere int `json:"removed_elsewhere"`
		Applied          bool
		AgentsGranted    []struct {
			Name      string
			Customers int
		} `json:"agents_granted"`
		RemovedFrom []struct {
			Name      string
			Customers int
		} `json:"removed_from"`
	}
	out := runOK(t, args("Target", "--unique", "move", "--json")...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Applied || got.Moved != 1 || got.Added != 1 || got.RemovedElsewhere != 1 || len(got.RemovedFrom) != 1 || got.RemovedFrom[0].Name != "Other" ||
		len(got.AgentsGranted) != 1 || got.AgentsGranted[0].Name != "Dana Levi" || got.AgentsGranted[0].Customers != 2 {
		t.Fatalf("import --json: %s", out)
	}
	var users []struct {
		Name        string
		CampaignIDs []int64 `json:"campaign_ids"`
	}
	json.Unmarshal([]byte(runOK(t, "user", "list", "--db", db, "--account", "Acme", "--json")), &users)
	if len(users) != 1 || len(users[0].CampaignIDs) != 2 {
		t.Fatalf("Dana was not given the campaign: %+v", users)
	}

	out = runOK(t, args("Third", "--agents", "unassign")...)
	if !strings.Contains(out, "Dana Levi does not work this campaign: 2 customers; left unassigned") {
		t.Errorf("unassign: %s", out)
	}

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args("Fourth", "--agents", "refuse"), &stdout, &stderr)
	if d := describe(err); !strings.Contains(d, "Nothing was written: Dana Levi does not work this campaign: 2 customers.") || !strings.Contains(d, "--agents grant") {
		t.Errorf("refuse: %q", d)
	}
	err = run(context.Background(), args("Fourth", "--agents", "maybe"), &stdout, &stderr)
	if d := describe(err); !strings.Contains(d, "grant, unassign or refuse") {
		t.Errorf("a wrong --agents: %q", d)
	}
	json.Unmarshal([]byte(runOK(t, "user", "list", "--db", db, "--account", "Acme", "--json")), &users)
	if got := users[0].CampaignIDs; len(got) != 2 {
		t.Errorf("Dana works %v after unassign and refuse", got)
	}
}
