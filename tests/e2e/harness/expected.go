package harness

import (
	"sort"
	"strconv"
	"strings"
)

// What the API server and PodSecurity must say about an object (in the
// canonical form of ServerFindings), given the core's records for it from
// `seccomp-fix fix --check --format json`. This is the mapping of record
// codes to server messages (docs/semantics.md, "The real API server"):
//
//	annotation-removed (migrated)   warning non-functional  the level had no field
//	annotation-removed (matching, orphan)  nothing
//	annotation-ignored              warning non-functional
//	annotation-not-migratable       error invalid-annotation
//	annotation-contradicts-field    error mismatch at the level's field
//	invalid-profile-field           error invalid-field
//	unconfined-explicit (a field)   psa must-not-set (the setters)
//	pod-profile-defaulted/-migrated, pod-level annotation-not-migratable
//	                                psa must-set: the containers without a field of their own
//	privileged-container, skipped-*, not-applicable, no-pod-spec  nothing
//
// The server validates before PodSecurity runs and before it computes
// warnings: when an error is expected, only the errors are.

// Container-annotation prefix and pod annotation key of the legacy annotations.
const (
	ContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"
	PodAnnotationKey          = "seccomp.security.alpha.kubernetes.io/pod"
)

var containerLists = []string{"initContainers", "containers", "ephemeralContainers"}

// PodPaths are the JSON pointer segments of a built-in pod-bearing kind's
// pod metadata and spec; ok is false for other kinds.
func PodPaths(kind string) (meta, spec []string, ok bool) {
	switch kind {
	case "Pod":
		return []string{"metadata"}, []string{"spec"}, true
	case "PodTemplate":
		return []string{"template", "metadata"}, []string{"template", "spec"}, true
	case "CronJob":
		t := []string{"spec", "jobTemplate", "spec", "template"}
		return append(append([]string{}, t...), "metadata"), append(append([]string{}, t...), "spec"), true
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController":
		return []string{"spec", "template", "metadata"}, []string{"spec", "template", "spec"}, true
	}
	return nil, nil, false
}

// FieldPath writes JSON pointer segments as the API server writes field
// paths: list indexes and map keys in brackets.
func FieldPath(segments []string) string {
	var b strings.Builder
	for i, s := range segments {
		prev := ""
		if i > 0 {
			prev = segments[i-1]
		}
		_, numeric := strconv.Atoi(s)
		switch {
		case prev == "annotations" || (numeric == nil && isContainerList(prev)):
			b.WriteString("[" + s + "]")
		default:
			if i > 0 {
				b.WriteString(".")
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

func isContainerList(s string) bool {
	for _, l := range containerLists {
		if s == l {
			return true
		}
	}
	return false
}

// PointerSegments splits an RFC 6901 pointer into unescaped segments.
func PointerSegments(pointer string) []string {
	if pointer == "" || pointer == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}

// containerField is the seccompProfile pointer of the container named
// name in spec (nil when there is none).
func containerField(o Object, spec []string, name string) []string {
	for _, list := range containerLists {
		items, _ := Dig(o, toAny(append(append([]string{}, spec...), list))...).([]any)
		for i, c := range items {
			if Dig(c, "name") == name {
				return append(append([]string{}, spec...), list, strconv.Itoa(i), "securityContext", "seccompProfile")
			}
		}
	}
	return nil
}

func toAny(segments []string) []any {
	out := make([]any, len(segments))
	for i, s := range segments {
		out[i] = s
	}
	return out
}

// levelField is the seccompProfile pointer of the level an annotation key
// configures: the pod's, or its container's (nil for an orphan).
func levelField(o Object, spec []string, key string) []string {
	if key == PodAnnotationKey {
		return append(append([]string{}, spec...), "securityContext", "seccompProfile")
	}
	return containerField(o, spec, strings.TrimPrefix(key, ContainerAnnotationPrefix))
}

// annotationKey is the key of an annotation record's pointer (.../annotations/KEY).
func annotationKey(segments []string) string {
	if len(segments) >= 2 && segments[len(segments)-2] == "annotations" {
		return segments[len(segments)-1]
	}
	return ""
}

// containersWithoutField are the names of o's containers (init, regular,
// ephemeral) that set no seccompProfile of their own, sorted.
func containersWithoutField(o Object, spec []string) []string {
	var out []string
	for _, list := range containerLists {
		items, _ := Dig(o, toAny(append(append([]string{}, spec...), list))...).([]any)
		for _, c := range items {
			if Dig(c, "securityContext", "seccompProfile") == nil {
				name, _ := Dig(c, "name").(string)
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ExpectedFindings maps the core's records for o to the server's findings.
func ExpectedFindings(o Object, records []FixFinding) Findings {
	kind, _ := o["kind"].(string)
	_, spec, ok := PodPaths(kind)
	want := Findings{}
	if !ok {
		return want
	}
	migrated := map[string]bool{}
	for _, r := range records {
		if r.Code == "pod-profile-migrated" || r.Code == "container-profile-migrated" {
			migrated[r.Pointer] = true
		}
	}
	errs, warnings := Findings{}, Findings{}
	var mustNotSet []string
	podAbsent := false
	for _, r := range records {
		segments := PointerSegments(r.Pointer)
		key := annotationKey(segments)
		switch r.Code {
		case "annotation-removed":
			if field := levelField(o, spec, key); field != nil && migrated["/"+strings.Join(escape(field), "/")] {
				warnings["warning non-functional "+FieldPath(segments)] = true
			}
		case "annotation-ignored":
			warnings["warning non-functional "+FieldPath(segments)] = true
		case "annotation-not-migratable":
			errs["error invalid-annotation "+FieldPath(segments)] = true
			if key == PodAnnotationKey {
				podAbsent = true
			}
		case "annotation-contradicts-field":
			if field := levelField(o, spec, key); field != nil {
				errs["error mismatch "+FieldPath(field)] = true
			}
		case "invalid-profile-field":
			errs["error invalid-field "+FieldPath(segments)] = true
		case "unconfined-explicit":
			if !migrated[r.Pointer] {
				mustNotSet = append(mustNotSet, setter(segments, o))
			}
		case "pod-profile-defaulted", "pod-profile-migrated":
			podAbsent = true
		}
	}
	if len(errs) > 0 {
		return errs
	}
	for k := range warnings {
		want[k] = true
	}
	switch {
	case len(mustNotSet) > 0:
		sort.Strings(mustNotSet)
		want["psa must-not-set "+strings.Join(mustNotSet, ",")] = true
	case podAbsent:
		if names := containersWithoutField(o, spec); len(names) > 0 {
			want["psa must-set "+strings.Join(names, ",")] = true
		}
	}
	return want
}

// setter is how PodSecurity names the level of a seccompProfile pointer:
// "pod", or the container's name.
func setter(segments []string, o Object) string {
	for i, s := range segments {
		if isContainerList(s) && i+1 < len(segments) {
			name, _ := DigPointer(o, segments[:i+2]).(map[string]any)["name"].(string)
			return name
		}
	}
	return "pod"
}

func escape(segments []string) []string {
	out := make([]string, len(segments))
	for i, s := range segments {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
	}
	return out
}

// DigPointer follows unescaped JSON pointer segments (list indexes as
// decimal strings) into decoded JSON; nil when absent.
func DigPointer(v any, segments []string) any {
	for _, s := range segments {
		switch c := v.(type) {
		case map[string]any:
			v = c[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}
