package mock

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

func startCredentialsURI(t *testing.T, cfg CredentialsURIConfig) *CredentialsURI {
	t.Helper()

	c, err := NewCredentialsURI(cfg)
	if err != nil {
		t.Fatalf("NewCredentialsURI: %v", err)
	}
	t.Cleanup(c.Close)

	return c
}

func uriProvider(t *testing.T, url string) *providers.URLCredentialsProvider {
	t.Helper()

	p, err := providers.NewURLCredentialsProviderBuilder().WithUrl(url).Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	return p
}

func TestCredentialsURI_withCredentialsGo(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{OnIssue: issued.add})
	if !strings.HasPrefix(c.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want http://127.0.0.1:PORT", c.URL)
	}
	p := uriProvider(t, c.URL+"/credentials")

	before := time.Now()
	cc, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	got := issued.all()
	if len(got) != 1 {
		t.Fatalf("OnIssue called %d times, want 1", len(got))
	}
	cred := got[0]
	if cc.AccessKeyId != cred.AccessKeyID || cc.AccessKeySecret != cred.AccessKeySecret ||
		cc.SecurityToken != cred.SecurityToken || cc.ProviderName != "credential_uri" {
		t.Errorf("credentials-go got %+v, want %+v", cc, cred)
	}
	lo, hi := expiryAfter(before, DefaultURILifetime), expiryAfter(time.Now(), DefaultURILifetime)
	if cred.Expires.Before(lo) || cred.Expires.After(hi) {
		t.Errorf("Expires = %v, want between %v and %v", cred.Expires, lo, hi)
	}

	// An hour-long credential is reused without asking again.
	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("second GetCredentials: %v", err)
	}
	if c.Count() != 1 {
		t.Errorf("Count = %d, want 1", c.Count())
	}
}

func TestCredentialsURI_shortLifetimeRefreshes(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{
		Lifetime: time.Minute, OnIssue: issued.add,
	})
	p := uriProvider(t, c.URL)

	keys := map[string]bool{}
	for i := range 3 {
		cc, err := p.GetCredentials()
		if err != nil {
			t.Fatalf("GetCredentials %d: %v", i, err)
		}
		keys[cc.AccessKeyId] = true
	}

	if c.Count() != 3 {
		t.Errorf("Count = %d, want 3", c.Count())
	}
	if len(keys) != 3 || len(issued.all()) != 3 {
		t.Errorf("distinct keys %d, issued %d, want 3 and 3", len(keys), len(issued.all()))
	}
}

func TestCredentialsURI_answerShape(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{OnIssue: issued.add})

	status, body, err := getBody(t, tlsTestClient(nil, nil), c.URL+"/any/path")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}

	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	cred := issued.all()[0]
	want := `{"Code":"Success","AccessKeyId":"` + cred.AccessKeyID + `","AccessKeySecret":"` +
		cred.AccessKeySecret + `","SecurityToken":"` + cred.SecurityToken +
		`","Expiration":"` + cred.Expires.Format(ExpirationLayout) + `"}`
	if body != want {
		t.Errorf("body =\n%s\nwant\n%s", body, want)
	}
	wantIssued(t, cred, cred.Expires.Add(-DefaultURILifetime), DefaultURILifetime)
}

func TestCredentialsURI_forcedError(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{
		Status: http.StatusInternalServerError, Body: `{"Code":"InternalError"}`,
		OnIssue: issued.add,
	})
	p := uriProvider(t, c.URL+"/credentials")

	_, err := p.GetCredentials()

	want := "get credentials from GET " + c.URL + `/credentials failed: {"Code":"InternalError"}`
	if err == nil || err.Error() != want {
		t.Errorf("GetCredentials error = %v, want %s", err, want)
	}
	if c.Count() != 1 || len(issued.all()) != 0 {
		t.Errorf("Count %d, issued %d, want 1 and 0", c.Count(), len(issued.all()))
	}

	if err := c.Force(0, ""); err != nil {
		t.Fatalf("Force: %v", err)
	}
	if _, err := p.GetCredentials(); err != nil {
		t.Errorf("GetCredentials after Force(0, \"\"): %v", err)
	}
}

func TestCredentialsURI_forcedBodies(t *testing.T) {
	c := startCredentialsURI(t, CredentialsURIConfig{})
	target := c.URL + "/credentials"

	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{
			"missing fields", 0, `{"Code":"Success","AccessKeyId":"STS.x"}`,
			"refresh credentials from GET " + target +
				` failed: {"Code":"Success","AccessKeyId":"STS.x"}`,
		},
		{
			"not JSON", http.StatusOK, "<html>",
			"get credentials from GET " + target + " failed with error, json unmarshal " +
				"fail: invalid character '<' looking for beginning of value",
		},
		{
			"bad expiration", 0, `{"AccessKeyId":"STS.x","AccessKeySecret":"s",` +
				`"SecurityToken":"t","Expiration":"2024-05-06 07:08:09"}`,
			`parsing time "2024-05-06 07:08:09" as "2006-01-02T15:04:05Z": ` +
				`cannot parse " 07:08:09" as "T"`,
		},
		{
			"forbidden", http.StatusForbidden, "",
			"get credentials from GET " + target + " failed: ",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Force(tc.status, tc.body); err != nil {
				t.Fatalf("Force: %v", err)
			}

			_, err := uriProvider(t, target).GetCredentials()

			if err == nil || err.Error() != tc.want {
				t.Errorf("GetCredentials error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestCredentialsURI_badStatus(t *testing.T) {
	const want = "credentials uri: status 99 is not between 200 and 599"

	refused, err := NewCredentialsURI(CredentialsURIConfig{Status: 99})
	if err == nil {
		refused.Close()
	}
	if err == nil || err.Error() != want {
		t.Errorf("NewCredentialsURI error = %v, want %s", err, want)
	}

	c := startCredentialsURI(t, CredentialsURIConfig{})
	if err := c.Force(600, ""); err == nil ||
		err.Error() != "credentials uri: status 600 is not between 200 and 599" {
		t.Errorf("Force error = %v", err)
	}
}

func TestCredentialsURI_onlyGet(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{OnIssue: issued.add})

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.URL,
		http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tlsTestClient(nil, nil).Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", resp.StatusCode)
	}
	if c.Count() != 1 || len(issued.all()) != 0 {
		t.Errorf("Count %d, issued %d, want 1 and 0", c.Count(), len(issued.all()))
	}
}

func TestCredentialsURI_feedsCloudauthMock(t *testing.T) {
	cloudauth, err := New(Config{Scenes: []string{"RPMin"}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(cloudauth.Close)

	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{OnIssue: func(cred Credential) {
		issued.add(cred)
		if err := cloudauth.Load(Config{Credentials: []Credential{cred}}); err != nil {
			t.Errorf("Load: %v", err)
		}
	}})

	cc, err := uriProvider(t, c.URL).GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}
	status, body, err := getBody(t, tlsTestClient(nil, nil), cloudauth.URL+"/?"+
		getStatusQuery(cc.AccessKeyId, cc.AccessKeySecret, cc.SecurityToken))
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}

	if status != http.StatusOK {
		t.Errorf("GetStatus status = %d, body %s", status, body)
	}
	if got := cloudauth.Requests()[0].Params["AccessKeyId"]; got != issued.all()[0].AccessKeyID {
		t.Errorf("AccessKeyId = %q, want the issued one", got)
	}
}
