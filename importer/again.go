package importer

import (
	"context"

	"github.com/callsheet/callsheet"
)

var _ callsheet.ImportAgainService = (*Service)(nil)

// ImportAgain implements callsheet.ImportAgainService: the store copies
// the import and its file, and a worker is woken to run the copy.
func (s *Service) ImportAgain(ctx context.Context, id int64, opts callsheet.ImportOptions) (*callsheet.ImportJob, error) {
	st, ok := s.Store.(callsheet.ImportAgainService)
	if !ok {
		return nil, callsheet.Errorf(callsheet.EINTERNAL, "This store cannot run an import again.")
	}
	job, err := st.ImportAgain(ctx, id, opts)
	if err != nil {
		return nil, err
	}
	s.kick()
	return job, nil
}
