package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// readExample is a data source reading the documented example ticket.
const readExample = `
data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}
`

// expectPassed checks that the documented example was read.
var expectPassed = expectValues("data.cloudauth_verification_status.applicant",
	map[string]knownvalue.Check{
		"status_code":      knownvalue.Int64Exact(1),
		"similarity_score": number("93.12"),
	})

// signedWith returns the access key ids the mock's accepted requests were signed with.
func signedWith(server *mock.Server) []string {
	var ids []string
	for _, req := range server.Requests() {
		if req.Code == "" {
			ids = append(ids, req.Params["AccessKeyId"])
		}
	}

	return ids
}

// expectSignedOnlyWith fails unless every accepted request was signed with keyID and at
// least one was.
func expectSignedOnlyWith(t *testing.T, server *mock.Server, keyID string) {
	t.Helper()

	ids := signedWith(server)
	if len(ids) == 0 {
		t.Fatalf("no request was accepted; the mock saw %d", len(server.Requests()))
	}
	for _, id := range ids {
		if id != keyID {
			t.Errorf("a request was signed with %s, want %s", id, keyID)
		}
	}
}

// writeProfiles writes an aliyun CLI configuration file and returns its path.
func writeProfiles(t *testing.T, dir, current string, profiles ...map[string]any) string {
	t.Helper()

	raw, err := json.Marshal(map[string]any{"current": current, "profiles": profiles})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	return file
}

func akProfile(name, id, secret string) map[string]any {
	return map[string]any{"name": name, "mode": "AK", "access_key_id": id,
		"access_key_secret": secret, "region_id": "cn-hangzhou"}
}

func TestAccCredentials_profileModes(t *testing.T) {
	server := newMock(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "credentials.sh")
	output := fmt.Sprintf(`{"mode":"AK","access_key_id":%q,"access_key_secret":%q}`,
		testKeyID, testSecret)
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho '"+output+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := writeProfiles(t, dir, "wrong",
		akProfile("wrong", testKeyID, "not-the-secret"),
		akProfile("ak", testKeyID, testSecret),
		map[string]any{"name": "sts", "mode": "StsToken", "access_key_id": testSTSKeyID,
			"access_key_secret": testSTSKey, "sts_token": testToken},
		map[string]any{"name": "external", "mode": "External", "process_command": script},
	)

	for _, tc := range []struct{ profile, keyID string }{
		{"ak", testKeyID}, {"sts", testSTSKeyID}, {"external", testKeyID},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			before := len(server.Requests())

			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint                = %q
  profile                 = %q
  shared_credentials_file = %q
}
`, server.URL, tc.profile, file) + readExample,
					ConfigStateChecks: expectPassed,
				}},
			})

			for _, req := range server.Requests()[before:] {
				if req.Code != "" || req.Params["AccessKeyId"] != tc.keyID {
					t.Errorf("signed with %s, answered %q", req.Params["AccessKeyId"], req.Code)
				}
			}
		})
	}
}

func TestAccCredentials_profileErrors(t *testing.T) {
	server := newMock(t)
	dir := t.TempDir()
	file := writeProfiles(t, dir, "ak", akProfile("ak", testKeyID, testSecret),
		map[string]any{"name": "future", "mode": "QuantumKey"})

	cases := []struct {
		name, config string
		expect       []any
	}{
		{"unsupported mode", fmt.Sprintf("profile = \"future\"\n  shared_credentials_file = %q",
			file), []any{"Credentials Unavailable", "No request was sent",
			`profile "future" (argument profile) of ` + file,
			"unsupported profile mode 'QuantumKey'"}},
		{"unknown profile", fmt.Sprintf("profile = \"nobody\"\n  shared_credentials_file = %q",
			file), []any{"Credentials Unavailable", `profile "nobody"`,
			"unable to get profile with 'nobody'"}},
		{"missing file", fmt.Sprintf("shared_credentials_file = %q",
			filepath.Join(dir, "absent.json")), []any{"Credentials Unavailable",
			"the current profile of " + filepath.Join(dir, "absent.json"), "absent.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n  %s\n}\n",
						server.URL, tc.config) + readExample,
					ExpectError: diagRegexp(tc.expect...),
				}},
			})
		})
	}

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}

// TestAccCredentials_precedence runs with several sources at once, each but the expected
// one holding a key the mock refuses, so that a read succeeds only through the right one.
func TestAccCredentials_precedence(t *testing.T) {
	server := newMock(t)
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	aliyun := filepath.Join(home, ".aliyun")
	if err := os.MkdirAll(aliyun, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(aliyun) })

	cases := []struct {
		name       string
		block      string
		env        map[string]string
		defaultKey string
	}{
		{"arguments before environment",
			fmt.Sprintf("access_key = %q\n  secret_key = %q", testKeyID, testSecret),
			map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": testSTSKeyID,
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong"}, "wrong"},
		{"ALIBABA_CLOUD_ before ALICLOUD_", "",
			map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": testKeyID,
				"ALICLOUD_ACCESS_KEY": "LTAI5tOther", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret,
				"ALICLOUD_SECRET_KEY": "wrong"}, "wrong"},
		{"environment keys before the profile file", "",
			map[string]string{"ALICLOUD_ACCESS_KEY": testKeyID,
				"ALICLOUD_SECRET_KEY": testSecret}, "wrong"},
		{"profile argument before environment keys", `profile = "good"`,
			map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": testKeyID,
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong"}, testSecret},
		{"profile file before the default chain", "", nil, testSecret},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			writeProfiles(t, aliyun, "current",
				akProfile("current", testKeyID, tc.defaultKey),
				akProfile("good", testKeyID, testSecret))
			for name, value := range tc.env {
				t.Setenv(name, value)
			}
			before := len(server.Requests())

			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n  %s\n}\n",
						server.URL, tc.block) + readExample,
					ConfigStateChecks: expectPassed,
				}},
			})

			for _, req := range server.Requests()[before:] {
				if req.Code != "" {
					t.Errorf("a request was answered %s", req.Code)
				}
			}
		})
	}
}

func TestAccCredentials_ecsRoleNameNeverCallsMetadata(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint      = %q
  ecs_role_name = "cloudauth-reader"
}
`, server.URL) + readExample,
			// The library refuses before any request while the metadata service is
			// disabled, which every test process ensures.
			ExpectError: diagRegexp("Invalid Credentials Configuration",
				`the instance RAM role "cloudauth-reader" (argument ecs_role_name)`,
				"IMDS credentials is disabled"),
		}},
	})

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}

func TestAccProvider_unknownArgumentsNamed(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "terraform_data" "key" {
  input = %q
}

provider "cloudauth" {
  endpoint   = %q
  access_key = terraform_data.key.output
  secret_key = %q
}
`, testKeyID, server.URL, testSecret) + readExample,
			ExpectError: diagRegexp("Provider Configuration Unknown",
				"The provider arguments access_key are unknown until apply"),
		}},
	})

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}

func TestAccProvider_invalidArgumentsRejectedAtPlan(t *testing.T) {
	cases := []struct{ argument, value, expect string }{
		{"endpoint", `"http://cloudauth.example.com"`,
			"uses plain http to a host that is not loopback"},
		{"endpoint", `"cloudauth.aliyuncs.com"`, "must start with https://"},
		{"endpoint", `"https://cloudauth.aliyuncs.com/?x=1"`, "must not have a query"},
		{"request_timeout", `"soon"`, `"soon" is not a positive duration`},
		{"request_timeout", `"-5s"`, `"-5s" is not a positive duration`},
		{"max_retries", `11`, "value must be between 0 and 10"},
		{"sts_endpoint", `"http://sts.aliyuncs.com"`, "STS is reached over https only"},
		{"credentials_uri", `"file:///etc/passwd"`, "must be an https:// URL with a host"},
		{"credentials_uri", `"http://credentials.example.com/"`,
			"uses plain http to a host that is not loopback"},
		{"access_key", `""`, "string length must be at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.argument+" "+tc.value, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"cloudauth\" {\n  %s = %s\n}\n",
						tc.argument, tc.value) + readExample,
					PlanOnly:    true,
					ExpectError: diagRegexp(tc.argument, tc.expect),
				}},
			})
		})
	}
}

func TestResolveKeys_trimsWhitespaceWithWarning(t *testing.T) {
	t.Run("provider block", func(t *testing.T) {
		var diags diag.Diagnostics

		k := resolveKeys(providerModel{AccessKey: types.StringValue(testKeyID + "\n"),
			SecretKey: types.StringValue(" " + testSecret)}, &diags)

		if k.access.value != testKeyID || k.secret.value != testSecret {
			t.Errorf("keys %q %q", k.access.value, k.secret.value)
		}
		if diags.HasError() || diags.WarningsCount() != 2 {
			t.Fatalf("diagnostics %v", diags)
		}
		for i, name := range []string{"access_key", "secret_key"} {
			withPath, ok := diags[i].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(path.Root(name)) {
				t.Errorf("warning %v is not on %s", diags[i], name)
			}
		}
		expectNoSecret(t, diags)
	})

	t.Run("environment", func(t *testing.T) {
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKeyID)
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", " \t"+testSecret+"\n")
		var diags diag.Diagnostics

		k := resolveKeys(providerModel{}, &diags)

		if k.access.value != testKeyID || k.secret.value != testSecret {
			t.Errorf("keys %q %q", k.access.value, k.secret.value)
		}
		if diags.HasError() || diags.WarningsCount() != 1 ||
			!strings.Contains(diags[0].Detail(),
				"environment variable ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
			t.Fatalf("diagnostics %v", diags)
		}
		expectNoSecret(t, diags)
	})
}

func expectNoSecret(t *testing.T, diags diag.Diagnostics) {
	t.Helper()

	for _, d := range diags {
		if strings.Contains(d.Detail(), testSecret) {
			t.Errorf("a warning shows the secret: %q", d.Detail())
		}
	}
}

// TestResolveKeys_neverMixesBlockAndEnvironment pairs keys only from one place.
func TestResolveKeys_neverMixesBlockAndEnvironment(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", testToken)
	var diags diag.Diagnostics

	k := resolveKeys(providerModel{AccessKey: types.StringValue(testKeyID)}, &diags)

	if k.secret.set() || k.token.set() {
		t.Errorf("the environment's secret or token was paired with the block's key")
	}
	if !diags.HasError() || diags[0].Summary() != "Missing Secret Key" ||
		!strings.Contains(diags[0].Detail(), "set the secret in the provider block") {
		t.Errorf("diagnostics %v", diags)
	}
}

func TestScrubCredentials_hidesSecretFields(t *testing.T) {
	in := `get credentials from GET http://127.0.0.1/c failed: {"AccessKeyId":"STS.k",` +
		`"AccessKeySecret":"s3cr\"et","SecurityToken":"CAIS+/=","Expiration":null}; ` +
		`access_key_secret=abc&sts_token=tok; "oauth_refresh_token": "r1", "Token":"t" ` +
		`open /x/absent-token: no such file`
	want := `get credentials from GET http://127.0.0.1/c failed: {"AccessKeyId":"STS.k",` +
		`"AccessKeySecret":"[redacted]","SecurityToken":"[redacted]","Expiration":null}; ` +
		`access_key_secret="[redacted]"&sts_token="[redacted]"; "oauth_refresh_token": ` +
		`"[redacted]", "Token":"[redacted]" open /x/absent-token: no such file`

	if got := scrubCredentials(in); got != want {
		t.Errorf("scrubCredentials =\n%s\nwant\n%s", got, want)
	}
}

func TestAccCredentials_brokenURIAnswerHidesItsSecrets(t *testing.T) {
	server := newMock(t)
	uri, err := mock.NewCredentialsURI(mock.CredentialsURIConfig{Status: 200,
		Body: `{"AccessKeyId":"STS.leak","AccessKeySecret":"uri-secret-9f8e",` +
			`"SecurityToken":"uri-token-7d6c"}`})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(uri.Close)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		// Called with the run's error, as no step expects one: it looks at the whole text.
		ErrorCheck: func(err error) error {
			for _, secret := range []string{"uri-secret-9f8e", "uri-token-7d6c"} {
				if strings.Contains(err.Error(), secret) {
					return fmt.Errorf("the diagnostic shows %s: %w", secret, err)
				}
			}
			if !diagRegexp("Credentials Unavailable", "the credentials URI",
				`"AccessKeySecret":"[redacted]"`).MatchString(err.Error()) {
				return fmt.Errorf("unexpected diagnostic: %w", err)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n"+
				"  credentials_uri = %q\n}\n", server.URL, uri.URL+"/credentials") + readExample,
		}},
	})

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}

func TestResolveKeys_oneFamilyOfVariables(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	t.Setenv("ALICLOUD_SECURITY_TOKEN", "stale-token-of-the-other-family")
	var diags diag.Diagnostics

	k := resolveKeys(providerModel{}, &diags)

	if diags.HasError() || k.access.value != testKeyID || k.secret.value != testSecret ||
		k.token.set() {
		t.Errorf("keys %q %q token %q, diagnostics %v", k.access.value, k.secret.value,
			k.token.value, diags)
	}
}

func TestAccProvider_blankTicketRejectedAtPlan(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `
data "cloudauth_verification_status" "blank" {
  biz       = "RPBasic"
  ticket_id = "  "
}
`,
			PlanOnly:    true,
			ExpectError: diagRegexp("Attribute ticket_id must not be blank"),
		}},
	})
}

func TestUserAgent_dropsControlCharacters(t *testing.T) {
	t.Setenv("TF_APPEND_USER_AGENT", "ci/1\r\nX-Injected: 1")

	got := userAgent("1.2.3", "1.11.4")

	want := "terraform-provider-cloudauth/1.2.3 Terraform/1.11.4 ci/1  X-Injected: 1"
	if got != want {
		t.Errorf("userAgent = %q, want %q", got, want)
	}
}
