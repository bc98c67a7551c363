package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// wrongSecret is a secret key the mock does not expect: a real one, mistyped or rotated,
// and as secret as the right one.
const wrongSecret = "acc-wrong-secret-9d2f6a"

// leakWatch gathers every text a run exposes (state, plans, diagnostics) and every mock
// that signed requests, so that they can be searched for secrets once all signatures are
// known.
type leakWatch struct {
	mu      sync.Mutex
	texts   map[string]string
	servers []*mock.Server
}

// secrets returns each value that must never be shown, keyed by a description: the secret
// keys, the security token raw and percent-encoded once and twice (as in a string to
// sign), and every signature the mocks received.
func (w *leakWatch) secrets() map[string]string {
	once := cloudauth.PercentEncode(testToken)
	out := map[string]string{
		"the secret key":                   testSTSKey,
		"the wrong secret key":             wrongSecret,
		"the security token":               testToken,
		"the security token encoded once":  once,
		"the security token encoded twice": cloudauth.PercentEncode(once),
		// A part of the token no other text has, in case a leak reshapes the rest.
		"the security token's last part": testToken[strings.LastIndexAny(testToken, "+/=")+1:],
	}

	w.mu.Lock()
	servers := append([]*mock.Server(nil), w.servers...)
	w.mu.Unlock()
	for _, server := range servers {
		for i, req := range server.Requests() {
			if sig := req.Params["Signature"]; sig != "" {
				name := fmt.Sprintf("signature %d sent to %s", i+1, server.URL)
				out[name] = sig
				out[name+", encoded"] = cloudauth.PercentEncode(sig)
			}
		}
	}

	return out
}

// leaks returns a line, sorted, for each secret text holds. The lines name the secrets
// without showing them, so that a failure does not spread them to the log it is written
// to.
func (w *leakWatch) leaks(what, text string) []string {
	var found []string
	for name, secret := range w.secrets() {
		if strings.Contains(text, secret) {
			found = append(found, fmt.Sprintf("%s holds %s", what, name))
		}
	}
	sort.Strings(found)

	return found
}

// keep records text under what, to be searched again at the end, and returns the secrets
// it holds already.
func (w *leakWatch) keep(what, text string) error {
	w.mu.Lock()
	w.texts[what] = text
	w.mu.Unlock()

	if found := w.leaks(what, text); len(found) > 0 {
		return fmt.Errorf("%s", strings.Join(found, "; "))
	}

	return nil
}

func (w *leakWatch) watch(server *mock.Server) {
	w.mu.Lock()
	defer w.mu.Unlock()

	w.servers = append(w.servers, server)
}

// stateLeakCheck fails when the state, as JSON, holds a secret.
type stateLeakCheck struct {
	watch *leakWatch
	what  string
}

// CheckState searches the whole state.
func (c stateLeakCheck) CheckState(
	_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse,
) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if !strings.Contains(string(raw), exampleTicket) {
		resp.Error = fmt.Errorf("%s does not hold the data source: %s", c.what, raw)
		return
	}

	resp.Error = c.watch.keep(c.what, string(raw))
}

// planLeakCheck fails when a plan, as JSON, holds a secret.
type planLeakCheck struct {
	watch *leakWatch
	what  string
	// withoutConfig leaves out the plan's copy of the configuration, where Terraform
	// repeats every constant argument verbatim, Sensitive or not.
	withoutConfig bool
}

// CheckPlan searches the whole plan, configuration included unless withoutConfig.
func (c planLeakCheck) CheckPlan(
	_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse,
) {
	plan := *req.Plan
	if c.withoutConfig {
		plan.Config = nil
	}
	raw, err := json.Marshal(plan)
	if err != nil {
		resp.Error = err
		return
	}
	if !strings.Contains(string(raw), "cloudauth_verification_status") {
		resp.Error = fmt.Errorf("%s does not hold the data source: %s", c.what, raw)
		return
	}

	resp.Error = c.watch.keep(c.what, string(raw))
}

// secretCase is a run through one path of the provider with credentials to keep secret.
type secretCase struct {
	name  string
	fault *mock.Fault
	// accessKey, secretKey and token are the credentials the provider is given; empty
	// ones are not given at all.
	accessKey, secretKey, token string
	// inBlock puts the credentials in the provider block; otherwise they come from the
	// environment, so that neither the configuration nor Terraform's echoes of it hold
	// them and any secret found was put there by the provider.
	inBlock bool
	// extra lists more provider arguments.
	extra []string
	biz   string
	// expect is the diagnostic the run fails with, in the parts diagRegexp takes; nil
	// for a run that succeeds.
	expect []any
}

// config returns the case's configuration for server.
func (tc secretCase) config(server *mock.Server) string {
	args := []string{fmt.Sprintf("endpoint = %q", server.URL)}
	if tc.inBlock {
		for _, arg := range [][2]string{{"access_key", tc.accessKey},
			{"secret_key", tc.secretKey}, {"security_token", tc.token}} {
			if arg[1] != "" {
				args = append(args, fmt.Sprintf("%s = %q", arg[0], arg[1]))
			}
		}
	}
	args = append(args, tc.extra...)

	biz := tc.biz
	if biz == "" {
		biz = exampleBiz
	}

	return "provider \"cloudauth\" {\n" + indent(args) + "}\n" + fmt.Sprintf(`
data "cloudauth_verification_status" "applicant" {
  biz       = %q
  ticket_id = %q
}
`, biz, exampleTicket)
}

// setEnv hands the provider the case's credentials through the environment, unless the
// provider block holds them.
func (tc secretCase) setEnv(t *testing.T) {
	if tc.inBlock {
		return
	}
	for name, value := range map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":     tc.accessKey,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": tc.secretKey,
		"ALIBABA_CLOUD_SECURITY_TOKEN":    tc.token,
	} {
		if value != "" {
			t.Setenv(name, value)
		}
	}
}

func secretCases() []secretCase {
	// A proxy's error page that echoes the request, token included, as some do.
	echoPage := fmt.Sprintf("<html><body>502 upstream failed: SecurityToken=%s (%s)"+
		"</body></html>", cloudauth.PercentEncode(testToken), testToken)
	signatureRejected := []any{"Request Signature Rejected", "Code: SignatureDoesNotMatch",
		"server string to sign is:", "SecurityToken%3D[redacted]", requestIDPattern,
		"HTTP status: 400", "Check secret_key"}
	sts := func(tc secretCase) secretCase {
		tc.accessKey, tc.token = testSTSKeyID, testToken
		if tc.secretKey == "" {
			tc.secretKey = testSTSKey
		}
		return tc
	}

	return []secretCase{
		sts(secretCase{name: "success"}),
		sts(secretCase{name: "success, keys in the provider block", inBlock: true}),
		sts(secretCase{name: "wrong secret", secretKey: wrongSecret,
			expect: signatureRejected}),
		sts(secretCase{name: "wrong secret in the provider block", secretKey: wrongSecret,
			inBlock: true, expect: signatureRejected}),
		{name: "wrong static secret", accessKey: testKeyID, secretKey: wrongSecret,
			expect: signatureRejected[:2]},
		{name: "unknown access key", accessKey: "STS.NUnknown", secretKey: testSTSKey,
			token: testToken, expect: []any{"Access Key Rejected",
				"Code: InvalidAccessKeyId.NotFound", requestIDPattern, "HTTP status: 404",
				"Check access_key"}},
		sts(secretCase{name: "throttled past retries",
			fault: &mock.Fault{Kind: mock.FaultThrottle}, extra: []string{"max_retries = 1"},
			expect: []any{"Request Throttled", "Code: Throttling.User", "HTTP status: 400",
				"Attempts: 2", "raise max_retries"}}),
		sts(secretCase{name: "HTML echoing the request", fault: &mock.Fault{
			Kind: mock.FaultBody, HTTPStatus: 502, ContentType: "text/html", Body: echoPage,
		}, extra: []string{"max_retries = 0"}, expect: []any{"Unreadable Cloudauth Response",
			"HTTP status 502", "an HTML page", "Check the endpoint and proxy"}}),
		sts(secretCase{name: "unknown scene", biz: "NoSuchScene", expect: []any{
			"Unknown Verification Scene", "Code: InvalidParam.InvalidBiz", requestIDPattern,
			"HTTP status: 400", "scene created in the cloudauth console"}}),
		{name: "missing keys", token: testToken,
			expect: []any{"Missing Credentials", "Set access_key and secret_key"}},
		{name: "missing secret key", accessKey: testSTSKeyID, token: testToken,
			expect: []any{"Missing Secret Key", "no secret key"}},
	}
}

// harnessConfigEntry starts the log entry in which the test harness itself records each
// configuration it hands Terraform, verbatim: keys put in the provider block are there.
const harnessConfigEntry = "sdk.helper_resource: Setting Terraform configuration"

// logEntries splits an hclog text log into entries, each a line starting with a
// timestamp and the lines that continue it.
func logEntries(log string) []string {
	var entries []string
	for _, line := range strings.SplitAfter(log, "\n") {
		if len(entries) == 0 || (len(line) > 4 && line[0] == '2' && line[4] == '-') {
			entries = append(entries, line)
			continue
		}
		entries[len(entries)-1] += line
	}

	return entries
}

// TestAccSecrets_neverShown runs the provider with temporary credentials through success
// and every kind of failure, with Terraform and the provider logging at TRACE, and checks
// that no secret key, security token or signature reaches the log, the state, a plan or a
// diagnostic.
func TestAccSecrets_neverShown(t *testing.T) {
	t.Setenv("TF_LOG", "TRACE")
	logDir := t.TempDir()

	watch := &leakWatch{texts: map[string]string{}}
	logs := map[string]string{}
	servers := map[string]*mock.Server{}
	cases := secretCases()
	for i, tc := range cases {
		logPath := filepath.Join(logDir, fmt.Sprintf("case-%02d.log", i))
		logs[tc.name] = logPath

		t.Run(tc.name, func(t *testing.T) {
			// Terraform, the harness and the provider under test all log to this file.
			t.Setenv("TF_ACC_LOG_PATH", logPath)
			tc.setEnv(t)
			server := newMock(t)
			watch.watch(server)
			servers[tc.name] = server
			if tc.fault != nil {
				if err := server.Inject(*tc.fault); err != nil {
					t.Fatal(err)
				}
			}

			step := resource.TestStep{Config: tc.config(server)}
			if tc.expect == nil {
				step.ConfigStateChecks = append(
					expectValues("data.cloudauth_verification_status.applicant",
						map[string]knownvalue.Check{
							"status_code":      knownvalue.Int64Exact(1),
							"similarity_score": number("93.12"),
						}),
					stateLeakCheck{watch, tc.name + ": state"})
				step.ConfigPlanChecks = resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						planLeakCheck{watch, tc.name + ": plan", tc.inBlock},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						planLeakCheck{watch, tc.name + ": refresh plan", tc.inBlock},
					},
				}
			}

			failed := false
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{step},
				// With no ExpectError, a failing step's error comes here whole.
				ErrorCheck: func(err error) error {
					failed = true
					if tc.expect == nil {
						return err
					}
					if leak := watch.keep(tc.name+": diagnostic", err.Error()); leak != nil {
						return leak
					}
					if !diagRegexp(tc.expect...).MatchString(err.Error()) {
						return fmt.Errorf("the diagnostic is not the expected one: %w", err)
					}

					return nil
				},
			})

			if want := tc.expect != nil; failed != want {
				t.Errorf("the run failed: %t, want %t", failed, want)
			}
		})
	}

	// Signatures are known only once the mocks have received them; search again.
	for what, text := range watch.texts {
		for _, leak := range watch.leaks(what, text) {
			t.Error(leak)
		}
	}
	for _, tc := range cases {
		what := tc.name + ": diagnostic"
		if tc.expect == nil {
			what = tc.name + ": refresh plan"
		}
		if _, ok := watch.texts[what]; !ok {
			t.Errorf("no %s was checked", what)
		}
	}

	for _, tc := range cases {
		raw, err := os.ReadFile(logs[tc.name])
		if err != nil {
			t.Fatal(err)
		}
		log := string(raw)
		for _, entry := range logEntries(log) {
			if tc.inBlock && strings.Contains(entry, harnessConfigEntry) {
				continue
			}
			for _, leak := range watch.leaks(tc.name+": the TRACE log", entry) {
				t.Errorf("%s in the entry:\n%s", leak, entry)
			}
		}

		// The search means something only if both Terraform's log and the provider's
		// reached the file. The provider logs each attempt in the client's subsystem,
		// named after the provider in the harness's log sink; a run without credentials
		// sends nothing and logs no attempt.
		attempts := strings.Count(log, "cloudauth.cloudauth: called GetStatus:")
		requests := 0
		if server := servers[tc.name]; server != nil {
			requests = len(server.Requests())
		}
		if !strings.Contains(log, "CLI args:") || attempts != requests {
			t.Errorf("%s: the log (%d bytes) has Terraform's lines: %t; and %d attempts "+
				"logged by the provider, want %d, one per request the mock received",
				tc.name, len(raw), strings.Contains(log, "CLI args:"), attempts, requests)
		}
		if missing := strings.HasPrefix(tc.name, "missing"); missing != (requests == 0) {
			t.Errorf("%s: the mock received %d requests", tc.name, requests)
		}
	}
}

func TestSecrets_sensitiveInSchema(t *testing.T) {
	var resp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Schema: %v", resp.Diagnostics)
	}

	for _, name := range []string{"secret_key", "security_token"} {
		attr, ok := resp.Schema.Attributes[name]
		if !ok {
			t.Errorf("the provider schema has no %s", name)
			continue
		}
		if !attr.IsSensitive() {
			t.Errorf("%s is not sensitive", name)
		}
	}
}
