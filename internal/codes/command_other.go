//go:build !unix

package codes

import "os/exec"

// setProcessGroup does nothing where process groups are not available:
// cancellation kills the program only.
func setProcessGroup(*exec.Cmd) {}
