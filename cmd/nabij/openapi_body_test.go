package main

// JSON bodies are checked against their schema in docs/openapi.yaml by
// schemas compiled once per test binary.
//
// kin-openapi checks an OpenAPI 3.1 body by compiling its schema into a JSON
// Schema 2020-12 validator (santhosh-tekuri/jsonschema) on every call, and
// keeps none: with several thousand requests and answers in the suite, that
// compiling was a fifth of the end-to-end tests' CPU. jsonBodies compiles
// every JSON body schema of the file once, with the same library, the same
// draft and the same formats kin-openapi asserts, and checks each body with
// the compiled schema. Everything else of a request or an answer (its route,
// parameters, status, headers, content type, a body that is not JSON) is
// still checked by kin-openapi (contractCheck).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// jsonBodies holds the compiled schema of every JSON body the file
// describes, by the *openapi3.SchemaRef the loaded document holds for it.
type jsonBodies map[*openapi3.SchemaRef]*jsonschema.Schema

// compileJSONBodies compiles the JSON body schemas of doc, requests' and
// answers', as doc is (closed, for the answers' document: closeAnswers).
// The schemas go into one resource beside the file's components, so that
// their references (#/components/schemas/…) resolve as in the file.
func compileJSONBodies(doc *openapi3.T) (jsonBodies, error) {
	var refs []*openapi3.SchemaRef
	seen := map[*openapi3.SchemaRef]bool{}
	add := func(content openapi3.Content) {
		for ct, mt := range content {
			if mt == nil || mt.Schema == nil || !isJSON(ct) || seen[mt.Schema] {
				continue
			}
			seen[mt.Schema] = true
			refs = append(refs, mt.Schema)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				add(op.RequestBody.Value.Content)
			}
			for _, res := range op.Responses.Map() {
				if res.Value != nil {
					add(res.Value.Content)
				}
			}
		}
	}
	schemas, err := marshalToAny(doc.Components.Schemas)
	if err != nil {
		return nil, err
	}
	bodies := make([]any, len(refs))
	for i, ref := range refs {
		if bodies[i], err = marshalToAny(ref); err != nil {
			return nil, err
		}
	}
	resource := map[string]any{"components": map[string]any{"schemas": schemas}, "x-bodies": bodies}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// The formats the file uses, asserted with kin-openapi's own
	// definitions, as kin-openapi does (registerFormatValidators).
	formats := map[string]bool{}
	collectFormats(resource, formats)
	for name := range formats {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			s, ok := v.(string)
			if !ok {
				return nil
			}
			if f, ok := openapi3.SchemaStringFormats[name]; ok {
				return f.Validate(s)
			}
			return nil
		}})
	}
	c.AssertFormat()
	const url = "urn:nabij:openapi"
	if err := c.AddResource(url, resource); err != nil {
		return nil, fmt.Errorf("the file's schemas: %w", err)
	}
	compiled := jsonBodies{}
	for i, ref := range refs {
		s, err := c.Compile(url + "#/x-bodies/" + strconv.Itoa(i))
		if err != nil {
			return nil, fmt.Errorf("compile a body schema (%s): %w", ref.Ref, err)
		}
		compiled[ref] = s
	}
	return compiled, nil
}

// check reports why body, a JSON body whose schema is ref, does not match
// it ("" if it does). A schema it has not compiled is not a JSON body's.
func (b jsonBodies) check(ref *openapi3.SchemaRef, body []byte) (string, bool) {
	s, ok := b[ref]
	if !ok {
		return "", false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "the body is empty", true
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Sprintf("the body is not JSON: %v", err), true
	}
	if err := s.Validate(v); err != nil {
		return schemaFailure(err, v), true
	}
	return "", true
}

// schemaFailure says where in the body v each value fails, why, and what
// the value is, in one line: the innermost causes, each with its place
// (/absences/0/kind).
func schemaFailure(err error, v any) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return oneLine(err)
	}
	var parts []string
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		at := e.InstanceLocation
		value, _ := json.Marshal(valueAt(v, at))
		parts = append(parts, fmt.Sprintf("at /%s: %s (value %.120s)", strings.Join(at, "/"),
			strings.Join(strings.Fields(e.ErrorKind.LocalizedString(english)), " "), value))
	}
	leaves(ve)
	return strings.Join(parts, "; ")
}

var english = message.NewPrinter(language.English)

// valueAt is the value at a place in v (nil if there is none).
func valueAt(v any, at []string) any {
	for _, key := range at {
		switch node := v.(type) {
		case map[string]any:
			v = node[key]
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return nil
			}
			v = node[i]
		default:
			return nil
		}
	}
	return v
}

// isJSON reports whether a content type is JSON (application/json or a
// +json type).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func marshalToAny(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

func collectFormats(node any, formats map[string]bool) {
	switch node := node.(type) {
	case map[string]any:
		if f, ok := node["format"].(string); ok && f != "" {
			formats[f] = true
		}
		for _, v := range node {
			collectFormats(v, formats)
		}
	case []any:
		for _, v := range node {
			collectFormats(v, formats)
		}
	}
}
