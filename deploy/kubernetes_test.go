package deploy

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kubeObject is what every manifest decodes into first: its type.
type kubeObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// strictYAML decodes YAML as the API server decodes JSON: field names are
// case-sensitive, and an unknown or duplicate field is an error.
// (sigs.k8s.io/yaml's UnmarshalStrict goes through encoding/json, which
// would take readOnlyRootFileSystem for readOnlyRootFilesystem.)
func strictYAML(t *testing.T, name string, data []byte, into any) {
	t.Helper()
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	strict, err := kjson.UnmarshalStrict(j, into)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, e := range strict {
		t.Errorf("%s: %v", name, e)
	}
	if len(strict) > 0 {
		t.FailNow()
	}
}

// manifest reads deploy/kubernetes/NAME, one document of the given type.
func manifest(t *testing.T, name, apiVersion, kind string, into any) {
	t.Helper()
	data := readFile(t, filepath.Join("kubernetes", name))
	if regexp.MustCompile(`(?m)^---`).Match(data) {
		t.Fatalf("%s: one document per file", name)
	}
	checkKind(t, name, data, apiVersion, kind)
	strictYAML(t, name, data, into)
}

func checkKind(t *testing.T, name string, data []byte, apiVersion, kind string) {
	t.Helper()
	var k kubeObject
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if k.APIVersion != apiVersion || k.Kind != kind {
		t.Fatalf("%s is %s %s, want %s %s", name, k.APIVersion, k.Kind, apiVersion, kind)
	}
}

// kustomization is the part of kustomize's Kustomization that nabij uses;
// strict decoding refuses any other field.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
}

type manifests struct {
	sts    appsv1.StatefulSet
	svc    corev1.Service
	cm     corev1.ConfigMap
	secret corev1.Secret
}

func loadManifests(t *testing.T) *manifests {
	t.Helper()
	var m manifests
	manifest(t, "statefulset.yaml", "apps/v1", "StatefulSet", &m.sts)
	manifest(t, "service.yaml", "v1", "Service", &m.svc)
	manifest(t, "configmap.yaml", "v1", "ConfigMap", &m.cm)
	manifest(t, "secret.example.yaml", "v1", "Secret", &m.secret)
	return &m
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	checkStatefulSet(t, m)

	svc := m.svc.Spec
	if svc.Type != corev1.ServiceTypeClusterIP || len(svc.Ports) != 1 || svc.Ports[0].Port != 8080 {
		t.Errorf("service.yaml: want ClusterIP on port 8080, got %s %+v", svc.Type, svc.Ports)
	}
	pod := m.sts.Spec.Template
	for k, v := range svc.Selector {
		if pod.Labels[k] != v {
			t.Errorf("service.yaml selects %s=%s, which the pods do not carry", k, v)
		}
	}
	if len(svc.Ports) == 1 && containerPort(pod.Spec.Containers[0], svc.Ports[0].TargetPort.String()) != 8080 {
		t.Errorf("service.yaml: targetPort %s is not the container's port 8080", svc.Ports[0].TargetPort.String())
	}

	for key := range m.cm.Data {
		if !envName.MatchString(key) || slices.Contains(secrets, key) {
			t.Errorf("configmap.yaml: %s is no NABIJ_ setting, or is a secret", key)
		}
	}

	// The example is clearly fake, and holds the keys the pod reads.
	for key, value := range m.secret.StringData {
		if !strings.HasPrefix(value, "REPLACE-ME") {
			t.Errorf("secret.example.yaml: %s = %q; an example value starts with REPLACE-ME", key, value)
		}
	}
	if len(m.secret.Data) > 0 {
		t.Errorf("secret.example.yaml: use stringData placeholders, not data")
	}
}

// containerPort resolves a probe's or service's port (a number or a name).
func containerPort(c corev1.Container, port string) int32 {
	for _, p := range c.Ports {
		if p.Name == port || port == strconv.Itoa(int(p.ContainerPort)) {
			return p.ContainerPort
		}
	}
	return 0
}

func checkStatefulSet(t *testing.T, m *manifests) {
	t.Helper()
	sts := m.sts.Spec
	// bbolt has one writer: never two pods on the store.
	if sts.Replicas == nil || *sts.Replicas != 1 {
		t.Errorf("statefulset.yaml: replicas must be 1 (bbolt has one writer), got %v", fmt.Sprint(ptrValue(sts.Replicas)))
	}
	for k, v := range sts.Selector.MatchLabels {
		if sts.Template.Labels[k] != v {
			t.Errorf("statefulset.yaml: selector %s=%s does not match the pod template", k, v)
		}
	}
	pod := sts.Template.Spec
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds != 30 {
		t.Errorf("terminationGracePeriodSeconds = %v, want 30 (nabij stops within 15 s)", pod.TerminationGracePeriodSeconds)
	}
	if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
		t.Errorf("enableServiceLinks must be false: the Service nabij would add NABIJ_PORT and NABIJ_SERVICE_* to the environment")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if containerPort(c, "http") != 8080 {
		t.Errorf("the container has no port http = 8080: %+v", c.Ports)
	}

	// Security: the pod's context, overridden field by field by the container's.
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil || csc == nil {
		t.Fatal("statefulset.yaml: want a securityContext on the pod and on the container")
	}
	if !isTrue(csc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot) {
		t.Error("runAsNonRoot is not set")
	}
	if !isTrue(csc.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem is not set")
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(csc.Capabilities.Add) > 0 {
		t.Errorf("capabilities: want drop [ALL] and nothing added, got %+v", csc.Capabilities)
	}
	seccomp := psc.SeccompProfile
	if csc.SeccompProfile != nil {
		seccomp = csc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile: want RuntimeDefault, got %+v", seccomp)
	}

	// Probes on port 8080: liveness on /livez (the process serves), the
	// others on /healthz (the store is usable): a pod whose database is
	// down leaves the Service and is not restarted in a loop.
	probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	if c.StartupProbe != nil {
		probes["startup"] = c.StartupProbe
	}
	for name, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET", name)
			continue
		}
		want := "/healthz"
		if name == "liveness" {
			want = "/livez"
		}
		if p.HTTPGet.Path != want || containerPort(c, p.HTTPGet.Port.String()) != 8080 {
			t.Errorf("%s probe: GET %s on port %s, want %s on 8080", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), want)
		}
	}

	// Small resources, with a memory limit.
	req, lim := c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory]
	if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 || lim.Cmp(resource.MustParse("1Gi")) > 0 {
		t.Errorf("memory: want a request and a limit of at most 1Gi, got %s / %s", req.String(), lim.String())
	}

	// Secrets from the Secret, by key; the rest from the ConfigMap.
	refs := map[string]*corev1.SecretKeySelector{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef
		} else if slices.Contains(secrets, e.Name) {
			t.Errorf("env %s: a secret comes from a secretKeyRef", e.Name)
		}
	}
	for _, name := range secrets {
		ref := refs[name]
		if ref == nil {
			t.Errorf("env %s: no secretKeyRef", name)
			continue
		}
		if ref.Name != m.secret.Name {
			t.Errorf("env %s: from Secret %s, but secret.example.yaml is %s", name, ref.Name, m.secret.Name)
		}
		if _, ok := m.secret.StringData[ref.Key]; !ok {
			t.Errorf("env %s: key %s is not in secret.example.yaml", name, ref.Key)
		}
	}
	if ref := refs["NABIJ_ADMIN_TOKEN"]; ref != nil && isTrue(ref.Optional) {
		t.Error("NABIJ_ADMIN_TOKEN must not be optional")
	}
	fromConfigMap := false
	for _, e := range c.EnvFrom {
		fromConfigMap = fromConfigMap || (e.ConfigMapRef != nil && e.ConfigMapRef.Name == m.cm.Name)
	}
	if !fromConfigMap {
		t.Errorf("the container does not take its settings from the ConfigMap %s", m.cm.Name)
	}

	// The store on the claim, every mount on a volume.
	claims := map[string]bool{}
	for _, v := range sts.VolumeClaimTemplates {
		claims[v.Name] = true
		if !slices.Contains(v.Spec.AccessModes, corev1.ReadWriteOnce) {
			t.Errorf("volumeClaimTemplate %s: want ReadWriteOnce", v.Name)
		}
	}
	for _, v := range pod.Volumes {
		claims[v.Name] = true
	}
	data := false
	for _, vm := range c.VolumeMounts {
		if !claims[vm.Name] {
			t.Errorf("volumeMount %s names no volume", vm.Name)
		}
		data = data || (vm.MountPath == "/data" && len(sts.VolumeClaimTemplates) == 1 && vm.Name == sts.VolumeClaimTemplates[0].Name)
	}
	if !data {
		t.Error("/data (NABIJ_DATA in the image) is not mounted from the volumeClaimTemplate")
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func ptrValue[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

func TestKustomization(t *testing.T) {
	var k kustomization
	strictYAML(t, "kustomization.yaml", readFile(t, "kubernetes/kustomization.yaml"), &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml is %s %s", k.APIVersion, k.Kind)
	}
	want := []string{"configmap.yaml", "secret.yaml", "service.yaml", "statefulset.yaml"}
	got := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml lists %v, want %v", got, want)
	}
	// secret.yaml is made from the example and never committed.
	if !bytes.Contains(readFile(t, ".gitignore"), []byte("/kubernetes/secret.yaml")) {
		t.Error("deploy/.gitignore does not ignore kubernetes/secret.yaml")
	}
}

// kubectl's kustomize builds the manifests offline, as `kubectl apply -k`
// would before it sends them; each object it prints must decode strictly.
func TestKubectlKustomize(t *testing.T) {
	kubectlKustomize(t, "kubernetes", map[string]any{
		"StatefulSet": &appsv1.StatefulSet{}, "Service": &corev1.Service{},
		"ConfigMap": &corev1.ConfigMap{}, "Secret": &corev1.Secret{},
	})
}

// kubectlKustomize builds the kustomization in dir (its files, with
// secret.yaml made from the example) and decodes every object into the type
// kinds names for its kind; it fails unless each kind is made once.
func kubectlKustomize(t *testing.T, dir string, kinds map[string]any) {
	t.Helper()
	kubectl := requireTool(t, "kubectl", "")
	tmp := filepath.Join(t.TempDir(), filepath.Base(dir))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			writeFile(t, filepath.Join(tmp, e.Name()), readFile(t, filepath.Join(dir, e.Name())))
		}
	}
	writeFile(t, filepath.Join(tmp, "secret.yaml"), readFile(t, filepath.Join(dir, "secret.example.yaml")))
	cmd := exec.Command(kubectl, "kustomize", tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.Bytes())
	}
	var seen []string
	for _, doc := range regexp.MustCompile(`(?m)^---\n`).Split(string(out), -1) {
		var k kubeObject
		if err := yaml.Unmarshal([]byte(doc), &k); err != nil {
			t.Fatal(err)
		}
		into, ok := kinds[k.Kind]
		if !ok {
			t.Errorf("kubectl kustomize %s made a %s", dir, k.Kind)
			continue
		}
		strictYAML(t, "kubectl kustomize "+dir+": "+k.Kind, []byte(doc), into)
		seen = append(seen, k.Kind)
	}
	slices.Sort(seen)
	if want := slices.Sorted(maps.Keys(kinds)); !slices.Equal(seen, want) {
		t.Errorf("kubectl kustomize %s made %v, want %v", dir, seen, want)
	}
}
