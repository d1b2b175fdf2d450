// Package docs holds nabij's documents; its Go side only embeds the OpenAPI
// file, so that nabij serves the one source (docs/openapi.yaml) itself, at
// GET /api/v1/openapi.yaml, with no copy of it anywhere.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml, the whole API, as it is in the repository.
//
//go:embed openapi.yaml
var OpenAPI []byte
