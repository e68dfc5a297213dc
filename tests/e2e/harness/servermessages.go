package harness

import (
	"regexp"
	"sort"
	"strings"
)

// The seccomp part of what kube-apiserver v1.37 and its PodSecurity admission
// say about one object, as a set of canonical findings:
//
//	warning non-functional PATH    pkg/api/pod/warnings.go: a legacy annotation whose level has no field
//	error mismatch PATH            validateSeccompAnnotationsAndFieldsMatch ("... must match")
//	error invalid-annotation PATH  ValidateSeccompProfile on an annotation value
//	error invalid-field PATH       validateSeccompProfileField, validateWindows
//	psa must-set NAMES             seccompProfile_restricted: "pod or containers ... must set ..."
//	psa must-not-set SETTERS       seccompProfile_restricted: "... must not set ... to \"Unconfined\""
//	other TEXT                     any other message naming seccomp (never expected: it shows up as a difference)
//
// PATH is the server's field path with annotation keys in brackets and a
// field's trailing .type/.localhostProfile cut (the profile as a whole);
// NAMES and SETTERS are sorted, comma-separated ("pod" for the pod level).

// Findings is a set of canonical findings.
type Findings map[string]bool

// Sorted lists the findings.
func (f Findings) Sorted() []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Diff lists "- X" for each finding of want missing from got and "+ X" for
// each finding of got not in want.
func Diff(want, got Findings) []string {
	var out []string
	for _, k := range want.Sorted() {
		if !got[k] {
			out = append(out, "- "+k)
		}
	}
	for _, k := range got.Sorted() {
		if !want[k] {
			out = append(out, "+ "+k)
		}
	}
	return out
}

var (
	nonFunctional = regexp.MustCompile(`^Warning: (\S+): non-functional in v1\.27\+; use the "seccompProfile" field instead$`)
	psaClause     = regexp.MustCompile(`seccompProfile \(([^)]*)\)`)
	psaMustSet    = regexp.MustCompile(`^pod or containers? (.*) must set securityContext\.seccompProfile\.type to "RuntimeDefault" or "Localhost"$`)
	psaMustNotSet = regexp.MustCompile(`^(.*) must not set securityContext\.seccompProfile\.type to (.*)$`)
	quoted        = regexp.MustCompile(`"([^"]*)"`)
	// A field error of the API server's Invalid status, as kubectl prints it:
	// `PATH: Invalid value: ...`, `PATH: Forbidden: ...`.
	fieldError = regexp.MustCompile(`((?:metadata|spec|template)\.[A-Za-z0-9_.\[\]/-]+): (Invalid value|Forbidden|Required value|Unsupported value|Duplicate value|Not found|Too long|Too many)`)
)

// ServerFindings reads a `kubectl create --dry-run=server` result: its
// warnings (stderr lines "Warning: ...") and, when it failed, the field errors
// of the API server. nonSeccomp returns the errors that are not about seccomp
// (then the object was rejected for another reason and PodSecurity never ran).
func ServerFindings(r Result) (f Findings, nonSeccomp []string) {
	f = Findings{}
	for _, line := range strings.Split(r.Stderr, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "Warning: ") {
			continue
		}
		if m := nonFunctional.FindStringSubmatch(line); m != nil {
			f["warning non-functional "+m[1]] = true
			continue
		}
		if strings.Contains(line, "would violate PodSecurity") {
			for _, m := range psaClause.FindAllStringSubmatch(line, -1) {
				f[psaFinding(m[1])] = true
			}
			continue
		}
		if strings.Contains(strings.ToLower(line), "seccomp") {
			f["other "+line] = true
		}
	}
	if r.Err == nil {
		return f, nil
	}
	text := r.Stderr
	locs := fieldError.FindAllStringSubmatchIndex(text, -1)
	if len(locs) == 0 {
		return f, []string{strings.TrimSpace(text)}
	}
	for i, loc := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		path, message := text[loc[2]:loc[3]], text[loc[4]:end]
		if !strings.Contains(strings.ToLower(path), "seccomp") {
			nonSeccomp = append(nonSeccomp, strings.TrimSpace(text[loc[0]:end]))
			continue
		}
		f[errorFinding(path, message)] = true
	}
	return f, nonSeccomp
}

func psaFinding(detail string) string {
	if m := psaMustSet.FindStringSubmatch(detail); m != nil {
		return "psa must-set " + names(m[1])
	}
	if m := psaMustNotSet.FindStringSubmatch(detail); m != nil {
		var setters []string
		for _, part := range strings.Split(m[1], " and ") {
			if part == "pod" {
				setters = append(setters, "pod")
				continue
			}
			for _, q := range quoted.FindAllStringSubmatch(part, -1) {
				setters = append(setters, q[1])
			}
		}
		sort.Strings(setters)
		return "psa must-not-set " + strings.Join(setters, ",")
	}
	return "other psa " + detail
}

func names(list string) string {
	var out []string
	for _, q := range quoted.FindAllStringSubmatch(list, -1) {
		out = append(out, q[1])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func errorFinding(path, message string) string {
	if i := strings.Index(path, "annotations."); i >= 0 {
		// Errors name an annotation as a child (annotations.KEY), warnings
		// as a key (annotations[KEY]): one form for both.
		path = path[:i] + "annotations[" + path[i+len("annotations."):] + "]"
	}
	switch {
	case strings.Contains(message, "in annotation and field must match"):
		return "error mismatch " + profilePath(path)
	case strings.Contains(path, "annotations["):
		return "error invalid-annotation " + path
	default:
		return "error invalid-field " + profilePath(path)
	}
}

// profilePath cuts a seccompProfile field path after "seccompProfile".
func profilePath(path string) string {
	if i := strings.Index(path, "seccompProfile"); i >= 0 {
		return path[:i+len("seccompProfile")]
	}
	return path
}
