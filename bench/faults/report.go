package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// printReport prints the tables of operations, faults and violations.
func printReport(w io.Writer, cfg config, cl *cluster, st *stats, l *load, vs *violations) {
	fmt.Fprintf(w, "\nFault test: %d servers, %v of load, seed %d\n\n", cfg.servers, cfg.duration, cfg.seed)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tok\tfailed\tretried\tunresolved\t")
	st.mu.Lock()
	for _, k := range opKinds {
		o := st.ops[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", k, o.ok, o.failed, o.retried, o.unresolved)
	}
	tw.Flush()
	for _, k := range opKinds {
		for _, e := range st.ops[k].examples {
			fmt.Fprintf(w, "  %s failed: %s\n", k, e)
		}
	}
	st.mu.Unlock()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fault\tcount\t")
	fmt.Fprintf(tw, "kill -9 of a server\t%d\t\n", cl.kills())
	fmt.Fprintf(tw, "restart\t%d\t\n", cl.restarts())
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "invariant\tviolations")
	vs.mu.Lock()
	for _, inv := range invariants {
		fmt.Fprintf(tw, "%s\t%d\n", inv, vs.count[inv])
	}
	tw.Flush()
	for _, inv := range invariants {
		for _, e := range vs.examples[inv] {
			fmt.Fprintf(w, "  %s: %s\n", inv, e)
		}
	}
	fmt.Fprintln(w)
	for _, n := range vs.notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	vs.mu.Unlock()

	total := vs.total()
	switch {
	case total > 0:
		fmt.Fprintf(w, "\nFAIL: %d violations\n", total)
	case !st.enough(cl.kills()):
		fmt.Fprintln(w, "\nFAIL: too little happened to check (every kind of operation must succeed at least once, and a server must be killed)")
	default:
		fmt.Fprintln(w, "\nPASS: no violations")
	}
}
