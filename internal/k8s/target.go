package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/inputfile"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/profiles"
	"gopkg.in/yaml.v3"
)

// Where the pods find the files: the ConfigMap's and the Secret's, and the
// results volume.
const (
	ConfigDir  = "/etc/tokenbench"
	SecretDir  = "/etc/tokenbench/secret"
	ResultsDir = "/results"
)

// ConfigMap keys.
const (
	targetKey  = "target.yaml"
	profileKey = "profile.yaml"
	caKey      = "ca.pem"
	certKey    = "client.crt"
)

// SecretFile is a file the target names that holds a secret: the shards
// read it from the Secret, under Key, and the manifest never holds it.
type SecretFile struct {
	Key   string // the key in the Secret, and the file's name in SecretDir
	Field string // the target file's field that names it
	Path  string // where it is on this machine, for kubectl create secret
}

// shipped is the target as the shards read it: the target file with its
// paths pointing into the pod, and what it needs around it.
type shipped struct {
	data        map[string]string // the ConfigMap's data
	secretFiles []SecretFile
	env         []string // the environment variables the target reads: keys of the Secret
	profileArg  string   // --profile for the shards ("" for the target's own)
	warnings    []string
}

// maxConfigMap is the most data a ConfigMap holds.
const maxConfigMap = 1 << 20

// shipTarget reads the target file at path and the profile (a shipped
// name, a file, or "" for the target's own) and lays them out for the
// pods. It refuses a target that holds a secret in itself: the manifest is
// printed and stored, and the secret belongs in the Secret.
func shipTarget(targetPath, profile string) (*shipped, error) {
	f, err := target.Load(targetPath)
	if err != nil {
		return nil, &SettingError{Setting: "Target", Value: targetPath, Reason: err.Error()}
	}
	bad := func(field, reason string) error {
		return &SettingError{Setting: "Target", Value: targetPath, Reason: field + ": " + reason}
	}
	for _, c := range []struct {
		field  string
		client *target.Client
	}{{"client", &f.Client}, {"second_client", f.SecondClient}} {
		if c.client != nil && c.client.Secret != "" {
			return nil, bad(c.field+".secret", "a literal secret would be in the manifest: name an environment variable in "+c.field+".secret_env instead, and put the secret in the Secret")
		}
	}
	s := &shipped{data: map[string]string{}}
	switch f.Codes.Source {
	case codes.SourceEmbedded:
		return nil, bad("codes.source", "embedded is the reference provider inside tokenbench: a distributed run needs a provider the shards share")
	case codes.SourceCommand:
		s.warnings = append(s.warnings, fmt.Sprintf("codes.source command runs %q inside the shard pods: tokenbench's image holds no other program, so build an image FROM it that has the command", strings.Join(f.Codes.Command, " ")))
	case codes.SourceBrowser:
		s.warnings = append(s.warnings, "codes.source browser drives Chromium inside the shard pods: tokenbench's image has none, so build an image that has tokenbench and Chromium (and give it with --image)")
	}
	if err := s.collectEnv(f, bad); err != nil {
		return nil, err
	}
	if err := s.placeFiles(f, filepath.Dir(targetPath), bad); err != nil {
		return nil, err
	}
	if u, err := url.Parse(f.Issuer); err == nil && isLoopback(u.Hostname()) {
		s.warnings = append(s.warnings, fmt.Sprintf("the issuer %s is on loopback: in a pod that is the pod itself, not this machine", f.Issuer))
	}
	given := profile != ""
	if !given {
		profile = f.Profile
	}
	if profile != "" {
		if _, err := profiles.Load(profile); err != nil {
			return nil, &SettingError{Setting: "Profile", Value: profile, Reason: err.Error()}
		}
		if isProfileFile(profile) {
			name, data, err := profiles.Source(profile)
			if err != nil {
				return nil, &SettingError{Setting: "Profile", Value: profile, Reason: err.Error()}
			}
			var h struct {
				Extends string `yaml:"extends"`
			}
			if yaml.Unmarshal(data, &h) == nil && isProfileFile(h.Extends) {
				return nil, &SettingError{Setting: "Profile", Value: name, Reason: fmt.Sprintf("extends the file %q, which the pods would not have: extend a shipped profile (%s), or copy the rows into one file", h.Extends, strings.Join(profiles.Names(), ", "))}
			}
			s.data[profileKey] = string(data)
			profile, given = path.Join(ConfigDir, profileKey), true
			f.Profile = profile
		}
		if given {
			s.profileArg = profile
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := errors.Join(enc.Encode(f), enc.Close()); err != nil {
		return nil, fmt.Errorf("k8s: %s: %w", targetPath, err)
	}
	s.data[targetKey] = "# " + filepath.Base(targetPath) + " as the shards read it: its files in " + ConfigDir + " and " + SecretDir + ".\n" + b.String()
	size := 0
	for _, v := range s.data {
		size += len(v)
	}
	if size > maxConfigMap {
		return nil, bad("its files", fmt.Sprintf("%d bytes, more than a ConfigMap holds (%d)", size, maxConfigMap))
	}
	return s, nil
}

// placeFiles puts every file the target names where the pods read it and
// points the target there: certificates into the ConfigMap (their content
// read now), private keys and a codes file into the Secret (only named:
// the user adds them with kubectl create secret --from-file). Relative
// paths are relative to the target file's directory, as tokenbench reads
// them.
func (s *shipped) placeFiles(f *target.File, dir string, bad func(field, reason string) error) error {
	type file struct {
		field, key string
		path       *string
		secret     bool
	}
	files := []file{
		{"tls.ca_file", caKey, &f.TLS.CAFile, false},
		{"tls.cert_file", certKey, &f.TLS.CertFile, false},
		{"tls.key_file", "tls.key", &f.TLS.KeyFile, true},
		{"codes.path", "codes.jsonl", &f.Codes.Path, true},
	}
	for _, c := range []struct {
		field, key string
		client     *target.Client
	}{{"client", "client", &f.Client}, {"second_client", "second-client", f.SecondClient}} {
		if c.client == nil {
			continue
		}
		files = append(files,
			file{c.field + ".key_file", c.key + ".key", &c.client.KeyFile, true},
			file{c.field + ".cert_file", c.key + "-tls.crt", &c.client.CertFile, false},
			file{c.field + ".cert_key_file", c.key + "-tls.key", &c.client.CertKeyFile, true})
	}
	for _, fl := range files {
		if *fl.path == "" {
			continue
		}
		local := *fl.path
		if !filepath.IsAbs(local) {
			local = filepath.Join(dir, local)
		}
		if fl.secret {
			// only named here; kubectl create secret --from-file reads it
			if err := inputfile.Regular(local); err != nil {
				return bad(fl.field, err.Error())
			}
			s.secretFiles = append(s.secretFiles, SecretFile{Key: fl.key, Field: fl.field, Path: local})
			*fl.path = path.Join(SecretDir, fl.key)
			continue
		}
		b, err := inputfile.Read(local, inputfile.MaxConfig)
		if err != nil {
			return bad(fl.field, err.Error())
		}
		s.data[fl.key], *fl.path = string(b), path.Join(ConfigDir, fl.key)
	}
	return nil
}

// collectEnv lists the environment variables the target reads (client
// secrets; "env:NAME" values and NAME_env fields of the code source) and
// refuses the values that are credentials written in the file: cookies,
// and the Authorization and Cookie headers.
func (s *shipped) collectEnv(f *target.File, bad func(field, reason string) error) error {
	add := func(name string) {
		if name != "" && !slices.Contains(s.env, name) {
			s.env = append(s.env, name)
		}
	}
	add(f.Client.SecretEnv)
	if f.SecondClient != nil {
		add(f.SecondClient.SecretEnv)
	}
	fromEnv := func(v string) (string, bool) { return strings.CutPrefix(v, "env:") }
	for _, k := range sortedKeys(f.Codes.Headers) {
		name, ok := fromEnv(f.Codes.Headers[k])
		switch h := textproto.CanonicalMIMEHeaderKey(k); {
		case ok:
			add(name)
		case h == "Authorization" || h == "Cookie" || h == "Proxy-Authorization":
			return bad("codes.headers."+k, "a credential written in the file would be in the manifest: write env:NAME and put the value in the Secret under NAME")
		}
	}
	for _, k := range sortedKeys(f.Codes.Cookies) {
		name, ok := fromEnv(f.Codes.Cookies[k])
		if !ok {
			return bad("codes.cookies."+k, "a session cookie written in the file would be in the manifest: write env:NAME and put the value in the Secret under NAME")
		}
		add(name)
	}
	if bc := f.Codes.Browser; bc != nil {
		for _, st := range bc.Steps {
			for _, fl := range st.Fields {
				if name, ok := fromEnv(fl.Value); ok {
					add(name)
				}
			}
		}
	}
	if fc := f.Codes.Form; fc != nil {
		var literal []string
		for _, k := range sortedKeys(fc.Fields) {
			v := fc.Fields[k]
			if name, ok := fromEnv(v); ok {
				add(name)
			} else if strings.HasSuffix(k, "_env") {
				add(v)
			} else {
				literal = append(literal, k)
			}
		}
		if len(literal) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("codes.form.fields %s are written in the target file and so in the ConfigMap: give any secret among them as FIELD_env: NAME, with NAME in the Secret", strings.Join(literal, ", ")))
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isProfileFile says whether a profile is named by a file rather than a
// shipped name, as profiles.Load tells them apart.
func isProfileFile(s string) bool {
	return strings.ContainsRune(s, '/') || strings.ContainsRune(s, filepath.Separator) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
