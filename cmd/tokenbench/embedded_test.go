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
		err       string
	}{
		{"defaults", nil, false, provider.Config{Defects: map[string]float64{}, Variants: nil, CodeTTL: 5 * time.Second}, ""},
		{"every switch", []string{"--defect", "no-kid,code-race@0.5", "--variant", "aud-array", "--code-ttl", "1s", "--login", "js",
			"--provider-capacity", "4", "--provider-latency", "20ms", "--provider-error-rate", "0.1"}, false,
			provider.Config{Defects: map[string]float64{"no-kid": 1, "code-race": 0.5}, Variants: []string{"aud-array"},
				CodeTTL: time.Second, Login: "js", Capacity: 4, Latency: 20 * time.Millisecond, ErrorRate: 0.1}, ""},
		{"a target file and nothing else", nil, true, provider.Config{}, ""},
		{"a target file and a defect", []string{"--defect", "no-kid"}, true, provider.Config{}, "job: --defect configures the embedded provider and cannot be used with --target"},
		{"a target file and the default code TTL given", []string{"--code-ttl", "5s"}, true, provider.Config{}, "--code-ttl configures the embedded provider"},
		{"a target file and a shaping switch", []string{"--provider-latency", "1ms"}, true, provider.Config{}, "--provider-latency configures"},
		{"unknown defect", []string{"--defect", "nosuch"}, false, provider.Config{}, `unknown defect "nosuch"`},
		{"unknown variant", []string{"--variant", "nosuch"}, false, provider.Config{}, `"nosuch"`},
		{"unknown login", []string{"--login", "form"}, false, provider.Config{}, `job: --login "form" is not one of js, js-no-session`},
		{"a target file and a login", []string{"--login", "js"}, true, provider.Config{}, "--login configures the embedded provider"},
		{"zero code TTL", []string{"--code-ttl", "0s"}, false, provider.Config{}, "--code-ttl must be positive"},
		{"negative capacity", []string{"--provider-capacity", "-1"}, false, provider.Config{}, "must not be negative"},
		{"error rate over 1", []string{"--provider-error-rate", "1.5"}, false, provider.Config{}, "--provider-error-rate 1.5 is not a fraction"},
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
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
