package harness

import (
	"encoding/json"
	"os"
	"testing"
)

// Fixture decodes tests/e2e/fixtures/NAME (YAML, one or more documents).
func Fixture(t testing.TB, env *Env, name string) []Object {
	t.Helper()
	data, err := os.ReadFile(env.Path("tests", "e2e", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return SplitYAML(t, data)
}

// DeepCopy copies decoded JSON.
func DeepCopy(t testing.TB, o Object) Object {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var c Object
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Renamed is a copy of o with metadata.name set to name.
func Renamed(t testing.TB, o Object, name string) Object {
	t.Helper()
	c := DeepCopy(t, o)
	meta, _ := c["metadata"].(map[string]any)
	if meta == nil {
		meta = Object{}
		c["metadata"] = meta
	}
	meta["name"] = name
	return c
}

// Name is metadata.name.
func Name(o Object) string {
	n, _ := Dig(o, "metadata", "name").(string)
	return n
}
