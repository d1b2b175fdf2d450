package twiliotest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// node is one element of a TwiML document.
type node struct {
	name     string
	attrs    map[string]string
	text     string // the element's own text, trimmed
	children []node
}

func (n node) attr(k string) string { return n.attrs[k] }

// verbSpec is what Twilio documents of a voice verb: its attributes (with a
// check of each value), the verbs it may hold, whether it must have text.
type verbSpec struct {
	attrs    map[string]func(string) bool
	children []string
	text     textRule
}

type textRule int

const (
	noText textRule = iota
	needText
	needURL // absolute http(s) URL
	needURLOrRelative
)

func anyValue(v string) bool { return strings.TrimSpace(v) != "" }
func oneOf(vals ...string) func(string) bool {
	return func(v string) bool { return slices.Contains(vals, v) }
}
func intAtLeast(lo int) func(string) bool {
	return func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n >= lo }
}
func relativeOrAbsolute(v string) bool {
	u, err := url.Parse(v)
	return err == nil && v != "" && (u.Scheme == "" || absoluteURL(v))
}

var (
	method  = oneOf("GET", "POST")
	boolean = oneOf("true", "false")
	digits  = func(v string) bool {
		return v != "" && strings.Trim(v, "0123456789*#") == ""
	}
)

// voiceVerbs are the verbs (and, for each, the attributes) Twilio documents
// that nabij's calls may use. Others (Dial, Enqueue, Connect, SSML inside
// Say) are not modelled: the stand-in calls them errors, so a test notices.
var voiceVerbs = map[string]verbSpec{
	"Say": {attrs: map[string]func(string) bool{"voice": anyValue, "language": anyValue, "loop": intAtLeast(0)}, text: needText},
	"Play": {attrs: map[string]func(string) bool{"loop": intAtLeast(0), "digits": func(v string) bool {
		return strings.Trim(v, "0123456789*#w") == ""
	}}, text: needURL},
	"Pause": {attrs: map[string]func(string) bool{"length": intAtLeast(1)}},
	"Gather": {attrs: map[string]func(string) bool{
		"input": oneOf("dtmf", "speech", "dtmf speech", "speech dtmf"), "numDigits": intAtLeast(1), "timeout": intAtLeast(1),
		"action": relativeOrAbsolute, "method": method, "actionOnEmptyResult": boolean, "language": anyValue, "finishOnKey": func(v string) bool {
			return len(v) <= 1 && strings.Trim(v, "0123456789*#") == ""
		},
	}, children: []string{"Say", "Play", "Pause"}},
	"Record": {attrs: map[string]func(string) bool{
		"action": relativeOrAbsolute, "method": method, "timeout": intAtLeast(0), "maxLength": intAtLeast(1),
		"playBeep": boolean, "finishOnKey": digits, "trim": oneOf("trim-silence", "do-not-trim"),
		"recordingStatusCallback": relativeOrAbsolute, "recordingStatusCallbackMethod": method,
		"recordingStatusCallbackEvent": func(v string) bool {
			for _, e := range strings.Fields(v) {
				if !slices.Contains([]string{"in-progress", "completed", "absent"}, e) {
					return false
				}
			}
			return v != ""
		},
	}},
	"Redirect": {attrs: map[string]func(string) bool{"method": method}, text: needURLOrRelative},
	"Hangup":   {},
	"Reject":   {attrs: map[string]func(string) bool{"reason": oneOf("rejected", "busy")}},
}

// twimlError is a document that is not valid TwiML: code 12100 (not
// well-formed XML) or 12200 (not the schema).
type twimlError struct {
	code int
	msg  string
}

func (e *twimlError) Error() string { return fmt.Sprintf("%d: %s", e.code, e.msg) }

func schemaError(format string, a ...any) error {
	return &twimlError{code: 12200, msg: fmt.Sprintf(format, a...)}
}

// parseTwiML reads a voice TwiML document: a <Response> holding the verbs
// of voiceVerbs, each with only its documented attributes (well-formed
// values) and children, a Say with text, a Play with an absolute URL.
func parseTwiML(doc []byte) ([]node, error) {
	root, err := parseXML(doc)
	if err != nil {
		return nil, &twimlError{code: 12100, msg: "document parse failure: " + err.Error()}
	}
	if root.name != "Response" {
		return nil, schemaError("the root is <%s>, not <Response>", root.name)
	}
	if len(root.attrs) > 0 || root.text != "" {
		return nil, schemaError("<Response> has attributes or text")
	}
	for _, v := range root.children {
		if err := checkVerb(v); err != nil {
			return nil, err
		}
	}
	return root.children, nil
}

func checkVerb(v node) error {
	spec, ok := voiceVerbs[v.name]
	if !ok {
		return schemaError("<%s> is not a voice verb", v.name)
	}
	for k, val := range v.attrs {
		check, ok := spec.attrs[k]
		if !ok {
			return schemaError("<%s> has no attribute %q", v.name, k)
		}
		if !check(val) {
			return schemaError("<%s %s=%q>: not a valid value", v.name, k, val)
		}
	}
	switch spec.text {
	case noText:
		if v.text != "" {
			return schemaError("<%s> takes no text", v.name)
		}
	case needText:
		if v.text == "" {
			return schemaError("<%s> without text", v.name)
		}
	case needURL:
		if !absoluteURL(v.text) {
			return schemaError("<%s> needs an absolute URL, not %q", v.name, v.text)
		}
	case needURLOrRelative:
		if !relativeOrAbsolute(v.text) {
			return schemaError("<%s> needs a URL, not %q", v.name, v.text)
		}
	}
	for _, c := range v.children {
		if !slices.Contains(spec.children, c.name) {
			return schemaError("<%s> may not hold <%s>", v.name, c.name)
		}
		if err := checkVerb(c); err != nil {
			return err
		}
	}
	return nil
}

// parseXML reads a document into its element tree; namespaces, comments and
// processing instructions are dropped.
func parseXML(doc []byte) (node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*node
	var root *node
	var texts []*strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return node{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return node{}, errors.New("more than one root element")
			}
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.attrs[a.Name.Local] = a.Value
			}
			stack = append(stack, n)
			texts = append(texts, &strings.Builder{})
			if root == nil {
				root = n
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text = strings.TrimSpace(texts[len(texts)-1].String())
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, *n)
			}
		case xml.CharData:
			if len(texts) > 0 {
				texts[len(texts)-1].Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return node{}, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return node{}, errors.New("no root element")
	}
	return *root, nil
}
