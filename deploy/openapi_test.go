package deploy

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The API reference must at least be YAML a reader can load: a hand edit
// once left an example under the wrong answer and no tool could read the
// file. The service's own tests hold the file against its routes and
// answers; this first check stays here, where a YAML reader is at hand.
func TestOpenAPIFileIsReadable(t *testing.T) {
	raw, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) < 20 {
		t.Errorf("docs/openapi.yaml: openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
	for _, p := range []string{"/api/v1/calendar", "/api/v1/calendar/closed/{date}", "/metrics"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("docs/openapi.yaml has no %s", p)
		}
	}
}
