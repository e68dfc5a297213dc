package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// etcdCall posts one request to etcd's JSON gateway (/v3/...) and decodes the answer.
func etcdCall(t testing.TB, env *Env, path string, body any) map[string]any {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(env.EtcdEndpoint+path, "application/json", bytes.NewReader([]byte(JSON(body))))
	if err != nil {
		t.Fatalf("etcd %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("etcd %s: HTTP %d, %v: %v", path, resp.StatusCode, err, out)
	}
	return out
}

// CompactEtcd compacts etcd up to its current revision the way
// kube-apiserver's own compactor does: it records the revision under
// compact_rev_key (which the API server watches, and which makes its watch
// cache drop the snapshots older than it within about 15 s) and compacts.
// Continue tokens of lists started before are then answered 410 Gone.
func CompactEtcd(t testing.TB, env *Env) int64 {
	t.Helper()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	header, _ := etcdCall(t, env, "/v3/kv/range", Object{"key": b64("compact_rev_key")})["header"].(map[string]any)
	rev, err := strconv.ParseInt(fmt.Sprint(header["revision"]), 10, 64)
	if err != nil {
		t.Fatalf("etcd revision %v: %v", header["revision"], err)
	}
	etcdCall(t, env, "/v3/kv/put", Object{"key": b64("compact_rev_key"), "value": b64(strconv.FormatInt(rev, 10))})
	etcdCall(t, env, "/v3/kv/compaction", Object{"revision": strconv.FormatInt(rev, 10), "physical": true})
	return rev
}
