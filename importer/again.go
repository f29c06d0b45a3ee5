package importer

import (
	"context"

	"github.com/callsheet/callsheet"
)

// ImportAgain implements callsheet.ImportService: the store copies the
// import and its file, and a worker is woken to run the copy.
func (s *Service) ImportAgain(ctx context.Context, id int64, opts callsheet.ImportOptions) (*callsheet.ImportJob, error) {
	job, err := s.Jobs.ImportAgain(ctx, id, opts)
	if err != nil {
		return nil, err
	}
	s.kick()
	return job, nil
}
