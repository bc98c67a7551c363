package provider

import (
	"github.com/aliyun/credentials-go/credentials/providers"
)

// staticCredentials returns the credentials provider for an access key pair, with its
// security token when one is set. On failure it returns a diagnostic's summary and detail
// instead, naming the arguments and environment variables to set: no request is ever sent
// unsigned.
func staticCredentials(s settings) (providers.CredentialsProvider, string, string) {
	switch {
	case s.accessKey == "" && s.secretKey == "":
		return nil, "Missing Credentials", "The provider has no access key to sign " +
			"requests with. Set access_key and secret_key in the provider block, or the " +
			"environment variables " + envList(envAccessKey) + " and " +
			envList(envSecretKey) + "."
	case s.accessKey == "":
		return nil, "Missing Access Key", "A secret key is set but no access key id. " +
			"Set access_key, or " + envList(envAccessKey) + "."
	case s.secretKey == "":
		return nil, "Missing Secret Key", "An access key id is set but no secret key. " +
			"Set secret_key, or " + envList(envSecretKey) + "."
	}

	if s.securityToken != "" {
		creds, err := providers.NewStaticSTSCredentialsProviderBuilder().
			WithAccessKeyId(s.accessKey).
			WithAccessKeySecret(s.secretKey).
			WithSecurityToken(s.securityToken).
			Build()
		if err != nil {
			return nil, "Invalid Credentials", err.Error()
		}

		return creds, "", ""
	}

	creds, err := providers.NewStaticAKCredentialsProviderBuilder().
		WithAccessKeyId(s.accessKey).
		WithAccessKeySecret(s.secretKey).
		Build()
	if err != nil {
		return nil, "Invalid Credentials", err.Error()
	}

	return creds, "", ""
}
