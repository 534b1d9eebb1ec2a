package main

import (
	"runtime/debug"
	"strings"
)

// version and revision may be set at build time, for builds without the
// module's build information (a Docker build without .git):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.revision=abc123" ./cmd/plaza
//
// Otherwise they come from the build information that go build and go
// install record: the module's version when installed as
// github.com/plazahq/plaza/cmd/plaza@v1.2.0, and the VCS revision when
// built in a checkout.
var (
	version  = ""
	revision = ""
)

// versionString is the short version: the module's (or -X main.version's),
// or "devel".
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	v, _ := buildVersion(bi, version, revision)
	return v
}

// versionLine is what plaza version prints: the version, then the VCS
// revision, its time and whether the tree had changes, and the Go version.
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	v, details := buildVersion(bi, version, revision)
	return "plaza " + v + " (" + strings.Join(details, ", ") + ")"
}

// buildVersion reads a build's version and its details from its build
// information (nil when there is none) and the values set with -X, which
// win.
func buildVersion(bi *debug.BuildInfo, xVersion, xRevision string) (string, []string) {
	v, rev := xVersion, xRevision
	var when, goVersion string
	modified := false
	if bi != nil {
		goVersion = bi.GoVersion
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	var details []string
	if rev != "" {
		r := "revision " + rev
		if when != "" {
			r += " of " + when
		}
		if modified {
			r += ", with local changes"
		}
		details = append(details, r)
	} else {
		details = append(details, "no VCS revision recorded")
	}
	if goVersion != "" {
		details = append(details, goVersion)
	}
	return v, details
}
