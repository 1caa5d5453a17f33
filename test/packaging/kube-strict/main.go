// kube-strict decodes Kubernetes manifests (a multi-document YAML stream on stdin, as
// `helm template` prints it) into the API's own Go types with unknown fields refused, the way
// the API server's strict field validation does. The JSON schemas the vitest suite checks
// against (kubernetes-models) allow unknown fields, so a misspelt key (readOnlyRootFileSystem)
// would pass there and be dropped silently by the cluster; here it fails. One line per object;
// exit status 1 when any object is refused or of a kind this program does not know.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The kinds a chart in this repository renders, by apiVersion and kind.
var kinds = map[string]func() any{
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monitoringv1.PrometheusRule{} },
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

// documents splits a YAML stream on its `---` separators, dropping empty documents.
func documents(stream []byte) [][]byte {
	var out [][]byte
	var current bytes.Buffer
	flush := func() {
		if len(bytes.TrimSpace(current.Bytes())) > 0 {
			out = append(out, append([]byte(nil), current.Bytes()...))
		}
		current.Reset()
	}
	scanner := bufio.NewScanner(bytes.NewReader(stream))
	scanner.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.TrimRight(line, " ") == "---" {
			flush()
			continue
		}
		current.WriteString(line)
		current.WriteByte('\n')
	}
	flush()
	return out
}

func main() {
	stream, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-strict: reading stdin: %v\n", err)
		os.Exit(2)
	}
	failed := false
	for _, document := range documents(stream) {
		var meta typeMeta
		if err := yaml.Unmarshal(document, &meta); err != nil {
			fmt.Printf("REFUSED (not YAML): %v\n", err)
			failed = true
			continue
		}
		if meta.APIVersion == "" && meta.Kind == "" {
			continue // only comments
		}
		name := fmt.Sprintf("%s/%s (%s)", meta.Kind, meta.Metadata.Name, meta.APIVersion)
		newObject, known := kinds[meta.APIVersion+"/"+meta.Kind]
		if !known {
			fmt.Printf("REFUSED %s: kind unknown to kube-strict; add its Go type\n", name)
			failed = true
			continue
		}
		// As the API server decodes: YAML to JSON (duplicate keys refused), then JSON into the
		// type with field names matched case-sensitively and unknown fields reported.
		asJSON, err := yaml.YAMLToJSONStrict(document)
		if err != nil {
			fmt.Printf("REFUSED %s: %v\n", name, err)
			failed = true
			continue
		}
		strict, err := kjson.UnmarshalStrict(asJSON, newObject(), kjson.DisallowUnknownFields)
		if err == nil && len(strict) > 0 {
			err = errors.Join(strict...)
		}
		if err != nil {
			fmt.Printf("REFUSED %s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", "; "))
			failed = true
			continue
		}
		fmt.Printf("ok %s\n", name)
	}
	if failed {
		os.Exit(1)
	}
}
