package app_test

import (
	"runtime"
	"testing"

	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestOf: services made by New or Services lead back to their engine and
// store, copies of them too; services with another Imports do not.
func TestOf(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	a := app.New(db, nil)
	if a.Services.Imports != a.Importer || a.Importer.Jobs != a.ImportStore || a.Importer.Applier != a.ImportStore {
		t.Fatal("the App's engine is not its services' Imports over its store")
	}
	copied := a.Services
	got := app.Of(copied)
	if got == nil || got.Importer != a.Importer || got.ImportStore != a.ImportStore || got.DB != db {
		t.Fatalf("Of(the services) = %+v, want the App's engine, store and database", got)
	}
	if app.Importer(copied) != a.Importer {
		t.Fatal("Importer(the services) is not the App's engine")
	}

	other := app.Services(db, nil)
	if app.Importer(other) == a.Importer {
		t.Fatal("two assemblies share one engine")
	}

	copied.Imports = other.Imports
	if got := app.Of(copied); got == nil || got.Importer != app.Importer(other) {
		t.Fatal("Of does not follow the services' Imports")
	}
	copied.Imports = nil
	if app.Of(copied) != nil {
		t.Fatal("Of found an App for services without an import engine")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Importer of services made otherwise did not panic")
		}
	}()
	app.Importer(copied)
}

// TestOfForgets: an App no longer used is not kept alive for Of.
func TestOfForgets(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	kept := app.New(db, nil)
	for range 10 {
		app.New(db, nil)
	}
	runtime.GC()
	if n := app.Remembered(); n > 1 {
		t.Errorf("%d Apps remembered after 10 went unused, want only the one in use", n)
	}
	if app.Of(kept.Services) == nil {
		t.Fatal("the App in use was forgotten")
	}
}
