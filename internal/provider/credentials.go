package provider

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aliyun/credentials-go/credentials/providers"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ecsMetadataURL is the instance metadata service the library asks for instance RAM role
// credentials; only the proxy choice for it is computed here.
const ecsMetadataURL = "http://100.100.100.200/"

// defaultSessionName names assumed-role sessions when the configuration does not.
const defaultSessionName = "terraform-provider-cloudauth"

// credentialSource is one place the provider can take credentials from.
type credentialSource struct {
	// name says where the credentials come from, for diagnostics and logs.
	name  string
	build func() (providers.CredentialsProvider, error)
}

// credentialInputs is what the sources are built from: the provider block with its
// environment fallbacks, and the options of the HTTP calls some sources make.
type credentialInputs struct {
	model       providerModel
	conn        connection
	proxy       func(*url.URL) (*url.URL, error)
	stsEndpoint string
}

// resolveCredentials picks the credentials the provider signs with, in this order:
//
//  1. the provider block: access_key and secret_key, then assume_role_with_oidc, then
//     profile or shared_credentials_file, then ecs_role_name, then credentials_uri;
//  2. the environment, in the same order;
//  3. the current profile of the aliyun CLI's ~/.aliyun/config.json, when it exists;
//  4. the credentials library's default chain.
//
// assume_role, when set, assumes that role with whatever was found. The result names its
// source, so that a failure can say which one was tried.
func resolveCredentials(in credentialInputs) (providers.CredentialsProvider, string,
	diag.Diagnostics) {
	var diags diag.Diagnostics

	keys := resolveKeys(in.model, &diags)
	if diags.HasError() {
		return nil, "", diags
	}

	source, found := firstSource(in, keys)
	if !found {
		return defaultChain(diags)
	}

	base, err := source.build()
	if err != nil {
		diags.AddError("Invalid Credentials Configuration", fmt.Sprintf(
			"The credentials from %s cannot be used: %s.", source.name,
			scrubCredentials(err.Error())))
		return nil, "", diags
	}

	if in.model.AssumeRole == nil {
		return base, source.name, diags
	}

	assumed, name, err := assumeRole(in, base, source.name)
	if err != nil {
		diags.AddAttributeError(path.Root("assume_role"), "Invalid Assume Role Configuration",
			fmt.Sprintf("assume_role over the credentials from %s cannot be used: %s.",
				source.name, scrubCredentials(err.Error())))
		return nil, "", diags
	}

	return assumed, name, diags
}

// keys are the access key settings after trimming.
type keys struct {
	access, secret, token setting
}

// resolveKeys reads the access key, secret and security token together from one place:
// the provider block when it sets any of them, else the environment. Mixing the two
// would pair a key with another's secret, or a long-term key with a stale token.
// Surrounding whitespace (a newline from file(), say) is trimmed with a warning.
func resolveKeys(m providerModel, diags *diag.Diagnostics) keys {
	var k keys
	inBlock := !m.AccessKey.IsNull() || !m.SecretKey.IsNull() || !m.SecurityToken.IsNull()
	if inBlock {
		k = keys{
			access: stringSetting("access_key", m.AccessKey, nil, ""),
			secret: stringSetting("secret_key", m.SecretKey, nil, ""),
			token:  stringSetting("security_token", m.SecurityToken, nil, ""),
		}
	} else {
		k = environmentKeys()
	}

	for _, s := range []*setting{&k.access, &k.secret, &k.token} {
		trimmed := strings.TrimSpace(s.value)
		if trimmed == s.value {
			continue
		}

		s.value = trimmed
		summary := "Whitespace Trimmed From Credential"
		detail := fmt.Sprintf("The value of %s had leading or trailing whitespace, which "+
			"was removed. Remove it at the source (for example with trimspace()) to "+
			"silence this warning.", s.source)
		if s.fromConfig {
			name := strings.TrimPrefix(s.source, "argument ")
			diags.AddAttributeWarning(path.Root(name), summary, detail)
		} else {
			diags.AddWarning(summary, detail)
		}
	}

	where := "the environment, as " + familyOf(k.access.source, k.secret.source, envSecretKey)
	if inBlock {
		where = "the provider block, as secret_key"
	}
	switch {
	case k.access.set() && !k.secret.set():
		diags.AddError("Missing Secret Key", fmt.Sprintf("An access key id is set (%s) but "+
			"no secret key. Keys are taken together from one place, the provider block or "+
			"the environment, and from one family of variables, never mixed: set the secret in "+
			"%s.", k.access.source, where))
	case k.secret.set() && !k.access.set():
		where = "the environment, as " + familyOf(k.access.source, k.secret.source,
			envAccessKey)
		if inBlock {
			where = "the provider block, as access_key"
		}
		diags.AddError("Missing Access Key", fmt.Sprintf("A secret key is set (%s) but no "+
			"access key id. Keys are taken together from one place, the provider block or "+
			"the environment, and from one family of variables, never mixed: set the access "+
			"key id in %s.", k.secret.source, where))
	case inBlock && !k.access.set():
		diags.AddAttributeError(path.Root("security_token"), "Missing Access Key",
			"security_token is set in the provider block without access_key and "+
				"secret_key. Keys are taken together from one place: set all three there.")
	}

	return k
}

// familyOf names the variable of names that belongs to the family of the variables the
// keys were read from: ALIBABA_CLOUD_ or ALICLOUD_.
func familyOf(accessSource, secretSource string, names []string) string {
	if strings.Contains(accessSource+secretSource, "ALICLOUD_") {
		return "`" + names[1] + "`"
	}

	return "`" + names[0] + "`"
}

// environmentKeys reads the keys from one family of environment variables: the
// ALIBABA_CLOUD_ ones when either key is set there, else the ALICLOUD_ ones, so that a
// token of one family never joins the keys of the other.
func environmentKeys() keys {
	family := 0
	if os.Getenv(envAccessKey[0]) == "" && os.Getenv(envSecretKey[0]) == "" &&
		(os.Getenv(envAccessKey[1]) != "" || os.Getenv(envSecretKey[1]) != "") {
		family = 1
	}

	null := types.StringNull()
	return keys{
		access: stringSetting("access_key", null, envAccessKey[family:family+1], ""),
		secret: stringSetting("secret_key", null, envSecretKey[family:family+1], ""),
		token:  stringSetting("security_token", null, envSecurityToken[family:family+1], ""),
	}
}

// firstSource returns the first configured source in the order resolveCredentials
// documents, the provider block before the environment.
func firstSource(in credentialInputs, k keys) (credentialSource, bool) {
	m := in.model
	fromConfig := func(s setting) bool { return s.set() && s.fromConfig }
	fromEnv := func(s setting) bool { return s.set() && !s.fromConfig }

	profile := stringSetting("profile", m.Profile, envProfile, "")
	profileFile := stringSetting("shared_credentials_file", m.SharedCredentialsFile,
		envProfileFile, "")
	ecsRole := stringSetting("ecs_role_name", m.ECSRoleName, envECSRoleName, "")
	uri := stringSetting("credentials_uri", m.CredentialsURI, envCredentialsURI, "")
	oidcEnv := os.Getenv(envRoleARN[0]) != "" && os.Getenv(envOIDCProviderARN[0]) != "" &&
		os.Getenv(envOIDCTokenFile[0]) != ""

	ordered := []struct {
		configured bool
		source     func() credentialSource
	}{
		{fromConfig(k.access), func() credentialSource { return staticSource(k) }},
		{m.AssumeRoleWithOIDC != nil, func() credentialSource { return oidcSource(in) }},
		{fromConfig(profile) || fromConfig(profileFile),
			func() credentialSource { return profileSource(profile, profileFile) }},
		{fromConfig(ecsRole), func() credentialSource { return ecsSource(in, ecsRole) }},
		{fromConfig(uri), func() credentialSource { return uriSource(in, uri) }},
		{fromEnv(k.access), func() credentialSource { return staticSource(k) }},
		{oidcEnv, func() credentialSource { return oidcSource(in) }},
		{fromEnv(profile) || fromEnv(profileFile),
			func() credentialSource { return profileSource(profile, profileFile) }},
		{fromEnv(ecsRole), func() credentialSource { return ecsSource(in, ecsRole) }},
		{fromEnv(uri), func() credentialSource { return uriSource(in, uri) }},
		{defaultProfileExists(),
			func() credentialSource { return profileSource(profile, profileFile) }},
	}
	for _, candidate := range ordered {
		if candidate.configured {
			return candidate.source(), true
		}
	}

	return credentialSource{}, false
}

func staticSource(k keys) credentialSource {
	name := fmt.Sprintf("%s and %s", k.access.source, k.secret.source)
	if k.token.set() {
		name += " with " + k.token.source
	}

	return credentialSource{name: name, build: func() (providers.CredentialsProvider, error) {
		if k.token.set() {
			return providers.NewStaticSTSCredentialsProviderBuilder().
				WithAccessKeyId(k.access.value).
				WithAccessKeySecret(k.secret.value).
				WithSecurityToken(k.token.value).
				Build()
		}

		return providers.NewStaticAKCredentialsProviderBuilder().
			WithAccessKeyId(k.access.value).
			WithAccessKeySecret(k.secret.value).
			Build()
	}}
}

func oidcSource(in credentialInputs) credentialSource {
	block := in.model.AssumeRoleWithOIDC
	if block == nil {
		block = &oidcModel{}
	}
	roleARN := stringSetting("role_arn", block.RoleARN, envRoleARN, "")
	providerARN := stringSetting("oidc_provider_arn", block.OIDCProviderARN,
		envOIDCProviderARN, "")
	tokenFile := stringSetting("oidc_token_file", block.OIDCTokenFile, envOIDCTokenFile, "")
	sessionName := stringSetting("role_session_name", block.RoleSessionName,
		envRoleSessionName, defaultSessionName)

	where := "the assume_role_with_oidc block"
	if in.model.AssumeRoleWithOIDC == nil {
		where = "the environment variables " + envRoleARN[0] + ", " + envOIDCProviderARN[0] +
			" and " + envOIDCTokenFile[0]
	}

	return credentialSource{
		name: fmt.Sprintf("OIDC role %s (%s)", roleARN.value, where),
		build: func() (providers.CredentialsProvider, error) {
			missing := missingNames(map[string]setting{"role_arn": roleARN,
				"oidc_provider_arn": providerARN, "oidc_token_file": tokenFile})
			if missing != "" {
				return nil, fmt.Errorf("%s not set", missing)
			}

			b := providers.NewOIDCCredentialsProviderBuilder().
				WithRoleArn(roleARN.value).
				WithOIDCProviderARN(providerARN.value).
				WithOIDCTokenFilePath(expandHome(tokenFile.value)).
				WithRoleSessionName(sessionName.value).
				WithPolicy(block.Policy.ValueString()).
				WithDurationSeconds(int(block.SessionExpiration.ValueInt64())).
				WithHttpOptions(in.httpOptions(in.stsURL()))
			if in.stsEndpoint != "" {
				b = b.WithSTSEndpoint(in.stsEndpoint)
			}

			return b.Build()
		},
	}
}

func profileSource(profile, file setting) credentialSource {
	configFile := expandHome(file.value)
	if configFile == "" {
		configFile = expandHome(defaultProfileFile)
	}
	name := "the current profile"
	if profile.set() {
		name = fmt.Sprintf("profile %q (%s)", profile.value, profile.source)
	}

	return credentialSource{
		name: fmt.Sprintf("%s of %s", name, configFile),
		build: func() (providers.CredentialsProvider, error) {
			return providers.NewCLIProfileCredentialsProviderBuilder().
				WithProfileFile(configFile).
				WithProfileName(profile.value).
				Build()
		},
	}
}

func ecsSource(in credentialInputs, role setting) credentialSource {
	return credentialSource{
		name: fmt.Sprintf("the instance RAM role %q (%s)", role.value, role.source),
		build: func() (providers.CredentialsProvider, error) {
			return providers.NewECSRAMRoleCredentialsProviderBuilder().
				WithRoleName(role.value).
				WithHttpOptions(in.httpOptions(ecsMetadataURL)).
				Build()
		},
	}
}

func uriSource(in credentialInputs, uri setting) credentialSource {
	return credentialSource{
		name: fmt.Sprintf("the credentials URI (%s)", uri.source),
		build: func() (providers.CredentialsProvider, error) {
			if problem := checkCredentialsURI(uri.value); problem != "" {
				return nil, errors.New(strings.TrimSuffix(problem, "."))
			}

			return providers.NewURLCredentialsProviderBuilder().
				WithUrl(uri.value).
				WithHttpOptions(in.httpOptions(uri.value)).
				Build()
		},
	}
}

// assumeRole layers the assume_role block over base.
func assumeRole(in credentialInputs, base providers.CredentialsProvider,
	baseName string) (providers.CredentialsProvider, string, error) {
	r := in.model.AssumeRole
	sessionName := r.SessionName.ValueString()
	if sessionName == "" {
		sessionName = defaultSessionName
	}

	b := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithCredentialsProvider(base).
		WithRoleArn(r.RoleARN.ValueString()).
		WithRoleSessionName(sessionName).
		WithExternalId(r.ExternalID.ValueString()).
		WithPolicy(r.Policy.ValueString()).
		WithDurationSeconds(int(r.SessionExpiration.ValueInt64())).
		WithHttpOptions(in.httpOptions(in.stsURL()))
	if in.stsEndpoint != "" {
		b = b.WithStsEndpoint(in.stsEndpoint)
	}

	assumed, err := b.Build()
	if err != nil {
		return nil, "", err
	}

	return assumed, fmt.Sprintf("role %s assumed with the credentials from %s",
		r.RoleARN.ValueString(), baseName), nil
}

// defaultChain falls back to the credentials library's own chain, adding to diags. It is
// tried at once, so that having no credentials at all is a configuration error.
func defaultChain(diags diag.Diagnostics) (providers.CredentialsProvider, string,
	diag.Diagnostics) {
	chain := providers.NewDefaultCredentialsProvider()
	if _, err := chain.GetCredentials(); err != nil {
		diags.AddError("Missing Credentials", "The provider has no credentials to sign "+
			"requests with. Set access_key and secret_key in the provider block, or the "+
			"environment variables "+envList(envAccessKey)+" and "+envList(envSecretKey)+
			"; or name a profile, an OIDC role, an instance RAM role or a credentials "+
			"URI (see the provider documentation).\n\nThe credentials library's default "+
			"chain found nothing either: "+scrubCredentials(err.Error()))
		return nil, "", diags
	}

	return chain, "the credentials library's default chain", diags
}

// defaultProfileExists reports whether the aliyun CLI's configuration file is there.
func defaultProfileExists() bool {
	_, err := os.Stat(expandHome(defaultProfileFile))
	return err == nil
}

// expandHome replaces a leading ~ with the home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}

	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}

	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

// missingNames lists, sorted, the names whose settings are empty.
func missingNames(settings map[string]setting) string {
	var missing []string
	for name, s := range settings {
		if !s.set() {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	slices.Sort(missing)

	return strings.Join(missing, ", ")
}

// credentialField matches a secret field and its value in the JSON or form text a
// credentials source (STS, a credentials URI, an external command) answered with, which
// the credentials library quotes whole in its errors.
// Two shapes: a JSON member ("AccessKeySecret": "...") and a form or INI assignment
// (access_key_secret=...).
var credentialField = regexp.MustCompile(`(?i)("[\w.-]*(?:secret|token|password)[\w.-]*"` +
	`\s*:\s*)"(?:[^"\\]|\\.)*"|(\b[\w.-]*(?:secret|token|password)[\w.-]*\s*=\s*)` +
	`[^\s,;&}"]+`)

// maxCredentialErrorRunes bounds an error from a credentials source, which may quote a
// whole file or answer.
const maxCredentialErrorRunes = 1000

// scrubCredentials hides the values of fields whose names speak of a secret, a token or a
// password in an error from a credentials source, and bounds its length.
func scrubCredentials(text string) string {
	text = credentialField.ReplaceAllString(text, `${1}${2}"[redacted]"`)
	if runes := []rune(text); len(runes) > maxCredentialErrorRunes {
		text = string(runes[:maxCredentialErrorRunes]) + "…"
	}

	return text
}
