package cloudauth_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// BenchmarkSignRPC measures signing one GetStatus request.
func BenchmarkSignRPC(b *testing.B) {
	params := map[string]string{
		"Action": "GetStatus", "Version": cloudauth.APIVersion, "Format": "JSON",
		"RegionId": "cn-hangzhou", "Biz": "RPBasic",
		"TicketId": "39ecf51e-2f81-4dc5-90ee-ff86125be683", "AccessKeyId": testKeyID,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"Timestamp":      "2026-12-04T08:00:00Z",
	}

	for b.Loop() {
		cloudauth.SignRPC("POST", params, testSecret)
	}
}

// BenchmarkClient_GetStatus measures one read against the mock on loopback, which
// verifies every signature: the cost of a read of the data source.
func BenchmarkClient_GetStatus(b *testing.B) {
	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Fixtures: []mock.Fixture{{Biz: exampleBiz, TicketID: exampleTID,
			Data: []byte(exampleData)}},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	client := benchClient(b, server.URL, 0)

	for b.Loop() {
		if _, err := client.GetStatus(context.Background(), exampleBiz, exampleTID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClient_bulk1000 measures reading 1,000 tickets at once within the provider's
// default bound of 10 requests in flight (no rate limit), as the bulk data source does.
func BenchmarkClient_bulk1000(b *testing.B) {
	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Scenes:      []string{exampleBiz},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	client := benchClient(b, server.URL, 10)

	for b.Loop() {
		var wg sync.WaitGroup
		for i := range 1000 {
			wg.Go(func() {
				if _, err := client.GetStatus(context.Background(), exampleBiz,
					fmt.Sprint(i)); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

func benchClient(b *testing.B, url string, concurrency int) *cloudauth.Client {
	b.Helper()

	creds, err := providers.NewStaticAKCredentialsProviderBuilder().
		WithAccessKeyId(testKeyID).WithAccessKeySecret(testSecret).Build()
	if err != nil {
		b.Fatal(err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:errcheck // a *Transport
	transport.MaxIdleConnsPerHost = 16
	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint: url, RegionID: "cn-hangzhou", Credentials: creds,
		HTTPClient: &http.Client{Transport: transport}, MaxConcurrency: concurrency,
	})
	if err != nil {
		b.Fatal(err)
	}

	return client
}
