package deploy

import (
	"bytes"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// postgresManifests are deploy/kubernetes/postgres/: nabij's replicas on a
// PostgreSQL the operator brings.
type postgresManifests struct {
	deploy appsv1.Deployment
	pdb    policyv1.PodDisruptionBudget
	svc    corev1.Service
	cm     corev1.ConfigMap
	secret corev1.Secret
}

func loadPostgresManifests(t *testing.T) *postgresManifests {
	t.Helper()
	var m postgresManifests
	manifest(t, "postgres/deployment.yaml", "apps/v1", "Deployment", &m.deploy)
	manifest(t, "postgres/poddisruptionbudget.yaml", "policy/v1", "PodDisruptionBudget", &m.pdb)
	manifest(t, "postgres/service.yaml", "v1", "Service", &m.svc)
	manifest(t, "postgres/configmap.yaml", "v1", "ConfigMap", &m.cm)
	manifest(t, "postgres/secret.example.yaml", "v1", "Secret", &m.secret)
	return &m
}

// selects says whether a label selector picks pods with these labels.
func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

func TestKubernetesPostgres(t *testing.T) {
	m := loadPostgresManifests(t)
	sts := loadManifests(t).sts
	d := m.deploy.Spec
	pod := d.Template

	// Two replicas at least, rolled one new pod before one old one goes.
	if d.Replicas == nil || *d.Replicas < 2 {
		t.Errorf("deployment.yaml: replicas %v; want 2 or more", ptrValue(d.Replicas))
	}
	if ru := d.Strategy.RollingUpdate; d.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.String() != "0" {
		t.Errorf("deployment.yaml: want a RollingUpdate with maxUnavailable 0, got %+v", d.Strategy)
	}
	if !selects(t, d.Selector, pod.Labels) {
		t.Errorf("deployment.yaml: the selector %v does not match the pod template's labels %v", d.Selector, pod.Labels)
	}

	// Stateless: no claim, no volume but an emptyDir, nothing on /data.
	for _, v := range pod.Spec.Volumes {
		if v.EmptyDir == nil {
			t.Errorf("deployment.yaml: volume %s is not an emptyDir; a replica keeps nothing", v.Name)
		}
	}
	c := pod.Spec.Containers[0]
	tmp := false
	for _, vm := range c.VolumeMounts {
		tmp = tmp || vm.MountPath == "/tmp"
		if vm.MountPath == "/data" {
			t.Error("deployment.yaml mounts /data; with PostgreSQL NABIJ_DATA is not used")
		}
	}
	if !tmp {
		t.Error("deployment.yaml: want an emptyDir on /tmp (the root file system is read-only)")
	}

	// The StatefulSet's pod, but for the volume and the store's secret: the
	// same security context, probes, resources, grace and links.
	if len(pod.Spec.Containers) != 1 || len(sts.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("want one container in each")
	}
	sc := sts.Spec.Template.Spec.Containers[0]
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"the pod's securityContext", pod.Spec.SecurityContext, sts.Spec.Template.Spec.SecurityContext},
		{"the container's securityContext", c.SecurityContext, sc.SecurityContext},
		{"the startup probe", c.StartupProbe, sc.StartupProbe},
		{"the liveness probe", c.LivenessProbe, sc.LivenessProbe},
		{"the readiness probe", c.ReadinessProbe, sc.ReadinessProbe},
		{"resources", c.Resources, sc.Resources},
		{"ports", c.Ports, sc.Ports},
		{"args", c.Args, sc.Args},
		{"image", c.Image, sc.Image},
		{"envFrom", c.EnvFrom, sc.EnvFrom},
		{"terminationGracePeriodSeconds", pod.Spec.TerminationGracePeriodSeconds, sts.Spec.Template.Spec.TerminationGracePeriodSeconds},
		{"enableServiceLinks", pod.Spec.EnableServiceLinks, sts.Spec.Template.Spec.EnableServiceLinks},
		{"automountServiceAccountToken", pod.Spec.AutomountServiceAccountToken, sts.Spec.Template.Spec.AutomountServiceAccountToken},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("deployment.yaml: %s differs from statefulset.yaml's:\n got %+v\nwant %+v", f.name, f.got, f.want)
		}
	}
	env := slices.DeleteFunc(slices.Clone(c.Env), func(e corev1.EnvVar) bool { return e.Name == "NABIJ_DATABASE_URL" })
	if !reflect.DeepEqual(env, sc.Env) {
		t.Errorf("deployment.yaml: env, but for NABIJ_DATABASE_URL, differs from statefulset.yaml's:\n got %+v\nwant %+v", env, sc.Env)
	}

	// Secrets by key from the example's Secret; the database's URL required.
	refs := map[string]*corev1.SecretKeySelector{}
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef
		} else if isSecret(e.Name) || slices.Contains(dbSecrets, e.Name) {
			t.Errorf("deployment.yaml: env %s: a secret comes from a secretKeyRef", e.Name)
		}
	}
	for _, name := range append(slices.Clone(secrets), "NABIJ_DATABASE_URL") {
		ref := refs[name]
		switch {
		case ref == nil:
			t.Errorf("deployment.yaml: env %s: no secretKeyRef", name)
		case ref.Name != m.secret.Name:
			t.Errorf("deployment.yaml: env %s: from Secret %s, but secret.example.yaml is %s", name, ref.Name, m.secret.Name)
		default:
			if _, ok := m.secret.StringData[ref.Key]; !ok {
				t.Errorf("deployment.yaml: env %s: key %s is not in secret.example.yaml", name, ref.Key)
			}
		}
	}
	if ref := refs["NABIJ_DATABASE_URL"]; ref != nil && isTrue(ref.Optional) {
		t.Error("deployment.yaml: NABIJ_DATABASE_URL must not be optional: without it a replica would start on its own empty bbolt file")
	}
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
		return e.ConfigMapRef != nil && e.ConfigMapRef.Name == m.cm.Name
	}) {
		t.Errorf("deployment.yaml does not take its settings from the ConfigMap %s", m.cm.Name)
	}
	for key := range m.cm.Data {
		names = append(names, key)
		if isSecret(key) || slices.Contains(dbSecrets, key) {
			t.Errorf("postgres/configmap.yaml: %s is a secret; it belongs in the Secret", key)
		}
		if key == "NABIJ_DATA" {
			t.Error("postgres/configmap.yaml sets NABIJ_DATA; with PostgreSQL it is not used")
		}
	}
	checkKnownSettings(t, "kubernetes/postgres", names)

	// The example is clearly fake.
	for key, value := range m.secret.StringData {
		if !strings.HasPrefix(value, "REPLACE-ME") {
			t.Errorf("postgres/secret.example.yaml: %s = %q; an example value starts with REPLACE-ME", key, value)
		}
	}
	if len(m.secret.Data) > 0 {
		t.Error("postgres/secret.example.yaml: use stringData placeholders, not data")
	}
	for _, f := range []string{"deployment.yaml", "secret.example.yaml", "configmap.yaml", "service.yaml", "kustomization.yaml"} {
		checkNoPasswordInURLs(t, filepath.Join("kubernetes", "postgres", f))
	}

	// Spread over nodes where it can be, one always up through a drain.
	aff := pod.Spec.Affinity
	if aff == nil || aff.PodAntiAffinity == nil || len(aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		t.Error("deployment.yaml: want a preferred pod anti-affinity")
	} else {
		term := aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
		if term.TopologyKey != "kubernetes.io/hostname" || !selects(t, term.LabelSelector, pod.Labels) {
			t.Errorf("deployment.yaml: the anti-affinity must spread these pods over hosts, got %+v", term)
		}
	}
	pdb := m.pdb.Spec
	if pdb.MinAvailable == nil || pdb.MinAvailable.String() != "1" || pdb.MaxUnavailable != nil {
		t.Errorf("poddisruptionbudget.yaml: want minAvailable 1, got %+v", pdb)
	}
	if pdb.Selector == nil || !selects(t, pdb.Selector, pod.Labels) || !reflect.DeepEqual(pdb.Selector, d.Selector) {
		t.Errorf("poddisruptionbudget.yaml: the selector %v must be the Deployment's, %v", pdb.Selector, d.Selector)
	}

	// The Service: the Deployment's pods, never the StatefulSet's.
	svc := m.svc.Spec
	sel := &metav1.LabelSelector{MatchLabels: svc.Selector}
	if !selects(t, sel, pod.Labels) {
		t.Errorf("postgres/service.yaml selects %v, which the pods do not carry", svc.Selector)
	}
	if selects(t, sel, sts.Spec.Template.Labels) {
		t.Errorf("postgres/service.yaml selects %v, which the StatefulSet's bbolt pod carries too", svc.Selector)
	}
	if svc.Type != corev1.ServiceTypeClusterIP || len(svc.Ports) != 1 || svc.Ports[0].Port != 8080 || containerPort(c, svc.Ports[0].TargetPort.String()) != 8080 {
		t.Errorf("postgres/service.yaml: want ClusterIP on port 8080 to the container's 8080, got %s %+v", svc.Type, svc.Ports)
	}
	if svc.SessionAffinity == corev1.ServiceAffinityClientIP {
		t.Error("postgres/service.yaml: no session affinity is needed (sessions are in the database)")
	}
}

func TestKustomizationPostgres(t *testing.T) {
	var k kustomization
	strictYAML(t, "postgres/kustomization.yaml", readFile(t, "kubernetes/postgres/kustomization.yaml"), &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("postgres/kustomization.yaml is %s %s", k.APIVersion, k.Kind)
	}
	want := []string{"configmap.yaml", "deployment.yaml", "poddisruptionbudget.yaml", "secret.yaml", "service.yaml"}
	if got := slices.Sorted(slices.Values(k.Resources)); !slices.Equal(got, want) {
		t.Errorf("postgres/kustomization.yaml lists %v, want %v", got, want)
	}
	if !bytes.Contains(readFile(t, ".gitignore"), []byte("/kubernetes/postgres/secret.yaml")) {
		t.Error("deploy/.gitignore does not ignore kubernetes/postgres/secret.yaml")
	}
}

func TestKubectlKustomizePostgres(t *testing.T) {
	kubectlKustomize(t, filepath.Join("kubernetes", "postgres"), map[string]any{
		"Deployment": &appsv1.Deployment{}, "PodDisruptionBudget": &policyv1.PodDisruptionBudget{},
		"Service": &corev1.Service{}, "ConfigMap": &corev1.ConfigMap{}, "Secret": &corev1.Secret{},
	})
}
