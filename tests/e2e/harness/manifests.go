package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// CopyFiles copies each src (a file) to dir/dst, creating folders.
func CopyFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for dst, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Glob lists the files of dir matching pattern (no folders), sorted.
func Glob(t testing.TB, dir, pattern string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && !fi.IsDir() {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// ManifestObjects decodes a YAML or JSON manifest file (a byte-order mark
// and CRLF line ends allowed) into its objects; a List's items are returned
// in its place, each with Item set. An undecodable file is an error.
func ManifestObjects(path string) ([]Manifest, error) {
	var objs []Manifest
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	docs, err := DecodeYAML(data)
	if err != nil {
		return nil, err
	}
	for _, o := range docs {
		if items, ok := o["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(o["kind"]), "List") {
			for i, it := range items {
				if io, ok := it.(map[string]any); ok {
					objs = append(objs, Manifest{Object: io, Item: i, ListKind: fmt.Sprint(o["kind"])})
				}
			}
			continue
		}
		objs = append(objs, Manifest{Object: o, Item: -1})
	}
	return objs, nil
}

// Manifest is one object of a manifest file.
type Manifest struct {
	Object   Object
	ListKind string // for an item of a List document: the List's kind
	Item     int    // its index in the List's items
}

// Key is "Kind/name".
func (m Manifest) Key() string { return fmt.Sprintf("%v/%s", m.Object["kind"], Name(m.Object)) }

// RecordsFor are the findings of the fixer's report for m: those of its
// document (matched by kind and name), and for a List item those under
// /items/N, with that prefix cut.
func RecordsFor(file FixFile, m Manifest) []FixFinding {
	var out []FixFinding
	for _, o := range file.Objects {
		if m.ListKind != "" {
			if o.Kind != m.ListKind {
				continue
			}
			prefix := fmt.Sprintf("/items/%d", m.Item)
			for _, f := range o.Findings {
				if f.Pointer == prefix || strings.HasPrefix(f.Pointer, prefix+"/") {
					f.Pointer = strings.TrimPrefix(f.Pointer, prefix)
					out = append(out, f)
				}
			}
			continue
		}
		if o.Kind == fmt.Sprint(m.Object["kind"]) && o.Name == Name(m.Object) {
			out = append(out, o.Findings...)
		}
	}
	return out
}

// DryRunAll sends each manifest with `kubectl create --dry-run=server -n ns`,
// one kubectl per object (kubectl drops a warning it has printed before, so
// a shared process would hide repeated PodSecurity warnings), `workers` at
// a time; results are in the order of objs.
func (k *Kubectl) DryRunAll(ns string, objs []Object, workers int) []Result {
	out := make([]Result, len(objs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = k.Create(ns, JSON(objs[i]), "--dry-run=server", "-o", "name")
			}
		}()
	}
	for i := range objs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}
