package cli

import (
	"errors"

	"github.com/upsmigrate/upsmigrate/internal/target"
)

func newSCIM(o SendOptions, tok string, log func(string, ...any)) (target.Target, error) {
	return nil, errors.New("scim: not yet")
}
