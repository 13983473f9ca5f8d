package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// hostileFlag registers --hostile on a command that runs the embedded
// provider (serve, and the others without --target).
func hostileFlag(cmd *cobra.Command) {
	cmd.Flags().String("hostile", "", "embedded provider only: hostile modes that attack the harness, MODE,... ("+strings.Join(provider.HostileNames(), ", ")+"; serve --list-defects)")
}

// hostileModes parses --hostile, which configures the embedded provider and
// is refused with --target.
func hostileModes(cmd *cobra.Command, hasTarget bool) ([]string, error) {
	f := cmd.Flags().Lookup("hostile")
	if f == nil || !f.Changed {
		return nil, nil
	}
	if hasTarget {
		return nil, fmt.Errorf("%s: --hostile configures the embedded provider and cannot be used with --target", cmd.Name())
	}
	return provider.ParseHostile(f.Value.String())
}
