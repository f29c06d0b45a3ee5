package importer

import (
	"context"

	"github.com/callsheet/callsheet"
)

// FindSingleAdds implements callsheet.ImportService.
func (s *Service) FindSingleAdds(ctx context.Context, filter callsheet.SingleAddsFilter) ([]*callsheet.SingleAdds, error) {
	return s.Jobs.FindSingleAdds(ctx, filter)
}
