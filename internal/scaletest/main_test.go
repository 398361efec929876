package scaletest

import (
	"testing"

	"github.com/pamtravel/pam/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
