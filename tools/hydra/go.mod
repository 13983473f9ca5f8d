// Module for building Ory Hydra as a Go tool for the e2e targets (see
// ../../e2e/hydra). Kept apart from the main module so that Hydra's
// dependencies never enter tokenbench's go.mod.
module github.com/tokenbench/tokenbench/tools/hydra

go 1.26
