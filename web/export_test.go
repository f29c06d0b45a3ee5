package web

import "slices"

// Routes returns the pattern of every route the server registered, for
// the access tests.
func (s *Server) Routes() []string { return slices.Clone(s.mux.patterns) }

// ImportPhase is what the progress of a job says it is doing.
var ImportPhase = importPhase
