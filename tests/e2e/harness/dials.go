package harness

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
)

// Dial is one outgoing connection or request a component logged.
type Dial struct {
	Log  string // file it was found in
	Host string // host name or IP it went to
	Line string
}

var (
	// client-go's round tripper at -v=6 (scripts/k8s-up.sh sets
	// --vmodule=round_trippers=6): `"Response" verb="POST" url="https://..."`.
	requestURL = regexp.MustCompile(`\burl="([^"]+)"`)
	// Go's url.Error, e.g. a failed webhook call: `Post "https://...": ...`,
	// also with escaped quotes inside structured log values.
	errorURL = regexp.MustCompile(`\b(?:Get|Post|Put|Patch|Delete|Head|Options) \\*"(\w+://[^"\\]+)`)
	// net.OpError: `dial tcp 10.0.0.1:443: connect: ...`.
	dialAddr = regexp.MustCompile(`\bdial (?:tcp|tcp4|tcp6|udp|udp4|udp6) (\[[^\]]+\]|[^\s:\[\]]+):\d+`)
)

// ScanDialLine returns the hosts one log line shows a request or dial to.
func ScanDialLine(line string) []string {
	var hosts []string
	if strings.Contains(line, "round_trippers") {
		for _, m := range requestURL.FindAllStringSubmatch(line, -1) {
			hosts = append(hosts, urlHost(m[1]))
		}
	}
	for _, m := range errorURL.FindAllStringSubmatch(line, -1) {
		hosts = append(hosts, urlHost(m[1]))
	}
	for _, m := range dialAddr.FindAllStringSubmatch(line, -1) {
		hosts = append(hosts, strings.Trim(m[1], "[]"))
	}
	return hosts
}

func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw // unparsable: reported as is, so it is never taken for loopback
	}
	return u.Hostname()
}

// IsLoopback is true for 127.0.0.0/8, ::1 and "localhost".
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ScanDials reads a log file and returns every request or dial it shows.
func ScanDials(path string) ([]Dial, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Dial
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, h := range ScanDialLine(line) {
			out = append(out, Dial{Log: path, Host: h, Line: line})
		}
	}
	return out, sc.Err()
}

// webhooksStarted counts the harness's webhook processes: when any ran, the
// API server's log must show at least one call to a loopback /mutate URL, or
// the scan is not seeing the calls it is meant to check.
var webhooksStarted atomic.Int64

// CheckLoopbackOnly scans the API server and controller manager logs: every
// request and dial they logged must go to 127.0.0.0/8. It also fails when a
// webhook ran but no webhook call was found in the API server's log (the
// logging that makes the check meaningful is missing).
func CheckLoopbackOnly(env *Env) error {
	var bad []string
	webhookCalls := 0
	for _, path := range []string{env.APIServerLog, env.KCMLog} {
		dials, err := ScanDials(path)
		if err != nil {
			return err
		}
		for _, d := range dials {
			if !IsLoopback(d.Host) {
				bad = append(bad, fmt.Sprintf("%s: %s\n    %s", d.Log, d.Host, d.Line))
			} else if path == env.APIServerLog && strings.Contains(d.Line, "/mutate") {
				webhookCalls++
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d requests or dials outside 127.0.0.0/8:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if webhooksStarted.Load() > 0 && webhookCalls == 0 {
		return fmt.Errorf("webhooks ran, but %s shows no call to a loopback /mutate URL: the dial scan is blind (is --vmodule=round_trippers=6 set?)", env.APIServerLog)
	}
	return nil
}
