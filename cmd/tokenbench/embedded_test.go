package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/provider"
)

func TestEmbeddedFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		hasTarget bool
		want      provider.Config
		methods   []string
		err       string
	}{
		{"defaults", nil, false, provider.Config{Defects: map[string]float64{}, Variants: nil, CodeTTL: 5 * time.Second, RefreshTTL: provider.DefaultRefreshTTL}, nil, ""},
		{"every switch", []string{"--defect", "no-kid,code-race@0.5", "--variant", "aud-array", "--code-ttl", "1s", "--login", "js",
			"--provider-capacity", "4", "--provider-latency", "20ms", "--provider-error-rate", "0.1", "--auth-method", "client_secret_basic, private_key_jwt",
			"--provider-grants", "client_credentials, refresh_token", "--refresh-ttl", "3s"}, false,
			provider.Config{Defects: map[string]float64{"no-kid": 1, "code-race": 0.5}, Variants: []string{"aud-array"},
				Grants: []string{"client_credentials", "refresh_token"}, RefreshTTL: 3 * time.Second, CodeTTL: time.Second, Login: "js", Capacity: 4, Latency: 20 * time.Millisecond, ErrorRate: 0.1}, []string{"client_secret_basic", "private_key_jwt"}, ""},
		{"a target file and nothing else", nil, true, provider.Config{}, nil, ""},
		{"a target file and a defect", []string{"--defect", "no-kid"}, true, provider.Config{}, nil, "job: --defect configures the embedded provider and cannot be used with --target"},
		{"a target file and the default code TTL given", []string{"--code-ttl", "5s"}, true, provider.Config{}, nil, "--code-ttl configures the embedded provider"},
		{"a target file and a shaping switch", []string{"--provider-latency", "1ms"}, true, provider.Config{}, nil, "--provider-latency configures"},
		{"a target file and an auth method", []string{"--auth-method", "private_key_jwt"}, true, provider.Config{}, nil, "--auth-method configures"},
		{"unknown defect", []string{"--defect", "nosuch"}, false, provider.Config{}, nil, `unknown defect "nosuch"`},
		{"unknown variant", []string{"--variant", "nosuch"}, false, provider.Config{}, nil, `"nosuch"`},
		{"unknown login", []string{"--login", "form"}, false, provider.Config{}, nil, `job: --login "form" is not one of js, js-no-session`},
		{"a target file and a login", []string{"--login", "js"}, true, provider.Config{}, nil, "--login configures the embedded provider"},
		{"zero code TTL", []string{"--code-ttl", "0s"}, false, provider.Config{}, nil, "--code-ttl must be positive"},
		{"negative capacity", []string{"--provider-capacity", "-1"}, false, provider.Config{}, nil, "must not be negative"},
		{"error rate over 1", []string{"--provider-error-rate", "1.5"}, false, provider.Config{}, nil, "--provider-error-rate 1.5 is not a fraction"},
		{"unknown auth method", []string{"--auth-method", "magic"}, false, provider.Config{}, nil, `--auth-method "magic": "magic" is not one of client_secret_basic`},
		{"unknown grant", []string{"--provider-grants", "password"}, false, provider.Config{}, nil, `--provider-grants "password": "password" is not one of refresh_token, client_credentials`},
		{"zero refresh TTL", []string{"--refresh-ttl", "0s"}, false, provider.Config{}, nil, "--refresh-ttl must be positive"},
		{"a target file and grants", []string{"--provider-grants", "refresh_token"}, true, provider.Config{}, nil, "--provider-grants configures the embedded provider"},
		{"three auth methods", []string{"--auth-method", "client_secret_basic,client_secret_post,private_key_jwt"}, false, provider.Config{}, nil, "at most two methods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e embeddedFlags
			cmd := &cobra.Command{Use: "job"}
			e.register(cmd, 5*time.Second)
			e.registerShaping(cmd)
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := e.config(cmd, tt.hasTarget)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Config, tt.want) || !reflect.DeepEqual(got.authMethods, tt.methods) {
				t.Errorf("config\n got %+v %v\nwant %+v %v", got.Config, got.authMethods, tt.want, tt.methods)
			}
		})
	}
}
