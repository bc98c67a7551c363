package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// runMainEnv makes the test binary run the command's main instead of the tests, so the
// tests can start the command as a process of its own without building it separately.
const runMainEnv = "CLOUDAUTH_MOCK_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}

	os.Exit(m.Run())
}

const (
	testConfig = `{
		"credentials": [{"access_key_id": "LTAI5tMockKey", "access_key_secret": "mock-secret"}],
		"fixtures": [{"biz": "RPBasic", "ticket_id": "t-1",
			"data": {"StatusCode": 1, "SimilarityScore": 93.12}}]
	}`
	fixtureData = `{"StatusCode": 1, "SimilarityScore": 93.12}`
)

// process is the command started by a test, with its output collected in files.
type process struct {
	cmd        *exec.Cmd
	stdoutPath string
	stderrPath string
}

func start(t *testing.T, args ...string) *process {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)

	dir := t.TempDir()
	p := &process{
		stdoutPath: filepath.Join(dir, "stdout"), stderrPath: filepath.Join(dir, "stderr"),
	}
	stdout := create(t, p.stdoutPath)
	stderr := create(t, p.stderrPath)

	p.cmd = exec.CommandContext(ctx, os.Args[0], args...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	p.cmd.Stdout = stdout
	p.cmd.Stderr = stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the command: %v", err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})

	return p
}

func create(t *testing.T, path string) *os.File {
	t.Helper()

	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("creating %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })

	return f
}

func writeConfig(t *testing.T, config string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatalf("writing the config: %v", err)
	}

	return path
}

// waitForURL waits until the command has written urlFile and returns its content.
func waitForURL(t *testing.T, urlFile string) string {
	t.Helper()

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		raw, err := os.ReadFile(urlFile)
		if err == nil {
			return string(raw)
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("reading the URL file: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the command wrote no URL file within 30s")

	return ""
}

// wait waits for the command to end and returns its exit code, stdout and stderr.
func (p *process) wait(t *testing.T) (code int, stdout, stderr string) {
	t.Helper()

	err := p.cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("waiting for the command: %v", err)
	}

	return code, read(t, p.stdoutPath), read(t, p.stderrPath)
}

func read(t *testing.T, path string) string {
	t.Helper()

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}

	return string(raw)
}

// getStatus sends a signed GetStatus GET for ticket to base and returns status and body.
func getStatus(t *testing.T, base, ticket string) (int, string) {
	t.Helper()

	params := map[string]string{
		"Action":           "GetStatus",
		"Version":          mock.APIVersion,
		"Format":           "JSON",
		"AccessKeyId":      "LTAI5tMockKey",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   fmt.Sprintf("nonce-%d", time.Now().UnixNano()),
		"Timestamp":        time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"RegionId":         "cn-hangzhou",
		"Biz":              "RPBasic",
		"TicketId":         ticket,
	}
	params["Signature"] = mock.Signature(mock.StringToSign(http.MethodGet, params),
		"mock-secret")
	query := url.Values{}
	for name, value := range params {
		query.Set(name, value)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		base+"/?"+query.Encode(), http.NoBody)
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}

	return resp.StatusCode, string(body)
}

var requestIDPattern = regexp.MustCompile(`^{"RequestId":"([0-9A-F-]{36})"`)

// requestID returns the RequestId a JSON answer starts with, empty when it has none.
func requestID(body string) string {
	if m := requestIDPattern.FindStringSubmatch(body); m != nil {
		return m[1]
	}

	return ""
}

func TestRun_servesUntilSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			urlFile := filepath.Join(t.TempDir(), "url")
			p := start(t, "-config", writeConfig(t, testConfig), "-listen", "127.0.0.1:0",
				"-url-file", urlFile)

			written := waitForURL(t, urlFile)
			base := strings.TrimSuffix(written, "\n")
			status, body := getStatus(t, base, "t-1")
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatalf("signaling the command: %v", err)
			}
			code, stdout, stderr := p.wait(t)

			if !strings.HasPrefix(base, "http://127.0.0.1:") || written != base+"\n" {
				t.Errorf("URL file = %q, want http://127.0.0.1:<port> and a newline", written)
			}
			want := `{"RequestId":"` + requestID(body) + `","Data":` + fixtureData +
				`,"Success":true}`
			if status != http.StatusOK || body != want {
				t.Errorf("GetStatus answered %d %s, want 200 %s", status, body, want)
			}
			logLine := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ GET GetStatus ` +
				`Biz="RPBasic" TicketId="t-1" AccessKeyId="\w+" -> OK\n$`)
			if code != 0 || stdout != base+"\n" || !logLine.MatchString(stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q, one request logged",
					code, stdout, stderr, base+"\n")
			}
			if _, err := os.Stat(urlFile + ".tmp"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary URL file left behind: %v", err)
			}
			wantClosed(t, base)
		})
	}
}

// wantClosed checks that nothing listens at base any more.
func wantClosed(t *testing.T, base string) {
	t.Helper()

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parsing %q: %v", base, err)
	}
	dialer := net.Dialer{Timeout: 5 * time.Second}
	conn, err := dialer.DialContext(t.Context(), "tcp", u.Host)
	if err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after the command ended", u.Host)
	}
}

func TestRun_stopsRightAfterAnnouncing(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	p := start(t, "-config", writeConfig(t, testConfig), "-url-file", urlFile)

	base := strings.TrimSuffix(waitForURL(t, urlFile), "\n")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signaling the command: %v", err)
	}
	code, stdout, stderr := p.wait(t)

	if code != 0 || stdout != base+"\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q, empty",
			code, stdout, stderr, base+"\n")
	}
}

func TestRun_defaultListenAddress(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	p := start(t, "-config", writeConfig(t, testConfig), "-url-file", urlFile)

	base := strings.TrimSuffix(waitForURL(t, urlFile), "\n")
	status, body := getStatus(t, base, "unknown-ticket")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signaling the command: %v", err)
	}
	code, _, _ := p.wait(t)

	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:<port>", base)
	}
	want := `{"RequestId":"` + requestID(body) + `","Data":{"StatusCode":-1},"Success":true}`
	if status != http.StatusOK || body != want {
		t.Errorf("GetStatus answered %d %s, want 200 %s", status, body, want)
	}
	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
}

func TestRun_errors(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, testConfig)
	notJSON := writeConfig(t, "{not json}")
	badFault := writeConfig(t, `{"faults": [{"kind": "explode"}]}`)
	missing := filepath.Join(dir, "missing.json")
	noDir := filepath.Join(dir, "no-such-dir", "url")

	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no config", nil, "cloudauth-mock: -config is required\n"},
		{
			"missing config", []string{"-config", missing},
			"cloudauth-mock: open " + missing + ": no such file or directory\n",
		},
		{
			"config not JSON", []string{"-config", notJSON},
			"cloudauth-mock: " + notJSON +
				": invalid character 'n' looking for beginning of object key string\n",
		},
		{
			"invalid fault", []string{"-config", badFault},
			"cloudauth-mock: unknown fault kind \"explode\"\n",
		},
		{
			"all interfaces", []string{"-config", good, "-listen", "0.0.0.0:0"},
			"cloudauth-mock: listen address \"0.0.0.0:0\" is not a loopback IP address\n",
		},
		{
			"other host", []string{"-config", good, "-listen", "192.0.2.1:0"},
			"cloudauth-mock: listen address \"192.0.2.1:0\" is not a loopback IP address\n",
		},
		{
			"unwritable URL file", []string{"-config", good, "-url-file", noDir},
			"cloudauth-mock: open " + noDir + ".tmp: no such file or directory\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, tt.args...)

			code, stdout, stderr := p.wait(t)

			if code != 1 || stdout != "" || stderr != tt.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, empty, %q",
					code, stdout, stderr, tt.stderr)
			}
		})
	}
}
