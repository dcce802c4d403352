package cli

import (
	"fmt"
	"regexp"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/version"
)

// examples are the example lines of every command's help, by command path
// ("mapping export"). A command whose Description already opens with its
// own examples (submit, migrate, status) keeps them; TestEveryCommandHasExamples
// holds every command to having some.
var examples = map[string]string{
	"inspect": `upsmigrate inspect samples/concur/employees-305.csv        # records by type, problems with file:line:field
   upsmigrate inspect --json feed-*.csv                           # the same for scripts
   upsmigrate inspect --encoding windows-1252 legacy-export.txt   # a file saved in a Windows code page`,
	"validate": `upsmigrate validate out/                  # every bulk request, plan.jsonl and report.json of a convert output
   upsmigrate validate out/bulk-0001.json    # one request
   upsmigrate validate --json out/ > findings.json`,
	"convert": `upsmigrate convert --company-id <uuid> --out out/ samples/concur/*.csv
   upsmigrate convert --company-id <uuid> --mapping client-mapping.xlsx --out out/ feed.csv
   upsmigrate convert --directory users.csv --out out/ nightly-delta.csv   # existing users resolved offline
   upsmigrate convert --date-order day-first --company-id <uuid> --out out/ uk-feed.csv

   DIR receives bulk-NNNN.json (one SCIM Bulk request each), plan.jsonl (every value's lineage)
   and report.json (every record's outcome). Exit status 1 means some records were rejected.`,
	"mapping": `upsmigrate mapping show                      # list the tables
   upsmigrate mapping show 305                  # one record type's rows
   upsmigrate mapping export --xlsx mapping.xlsx
   upsmigrate mapping check mapping.xlsx        # every problem with its sheet and cell`,
	"mapping export": `upsmigrate mapping export --xlsx mapping.xlsx                     # the embedded tables
   upsmigrate mapping export --mapping client/ --xlsx client.xlsx     # an overridden set`,
	"mapping check": `upsmigrate mapping check mapping.xlsx
   upsmigrate mapping check client-tables/`,
	"mapping show": `upsmigrate mapping show
   upsmigrate mapping show 305
   upsmigrate mapping show --mapping client.xlsx v3.1`,
	"sandbox": `upsmigrate sandbox                                  # on ` + sandbox.DefaultAddr + `, secrets printed at start
   upsmigrate sandbox --db sandbox.db --users 50      # keep state across restarts, 50 existing users
   upsmigrate sandbox --fail-rate 0.1 --throttle-rate 0.1 --seed 7   # rehearse failures`,
	"report": `upsmigrate report out/                                    # writes out/report.html, the document to hand to the client
   upsmigrate report --format xlsx out/                      # writes out/report.xlsx
   upsmigrate report --format html --out client/report.html out/
   upsmigrate report --format md --out - out/ | less         # to standard output (html and xlsx not on a terminal)`,
}

// Version is the version --version prints (package version).
func Version() string { return version.String() }

// addExamples gives every command (and subcommand) its examples.
func addExamples(cmds []*ucli.Command, parent string) {
	for _, cmd := range cmds {
		path := strings.TrimSpace(parent + " " + cmd.Name)
		if ex, ok := examples[path]; ok && !strings.HasPrefix(cmd.Description, "Examples:") {
			d := "Examples:\n   " + ex
			if cmd.Description != "" {
				d += "\n\n   " + cmd.Description
			}
			cmd.Description = d
		}
		addExamples(cmd.Subcommands, path)
	}
}

// defaultInUsage finds a usage text that states its own default.
var defaultInUsage = regexp.MustCompile(`\(default[:)]|; default: `)

// autoDefault is the default urfave/cli appends to a flag's help line.
var autoDefault = regexp.MustCompile(` \(default: [^()]*\)$`)

// flagHelp renders one flag's help line with base (urfave/cli's own),
// keeping one statement of its default: the usage text's when it has one,
// none for a boolean that is off unless given; and marking required flags.
func flagHelp(base ucli.FlagStringFunc, f ucli.Flag) string {
	line := base(f)
	usage := ""
	if df, ok := f.(ucli.DocGenerationFlag); ok {
		usage = df.GetUsage()
	}
	if defaultInUsage.MatchString(usage) || strings.HasSuffix(line, " (default: false)") {
		line = autoDefault.ReplaceAllString(line, "")
	}
	if rf, ok := f.(ucli.RequiredFlag); ok && rf.IsRequired() {
		line += " (required)"
	}
	return line
}

// closest is the candidate most like name, when it is alike enough to be
// what was meant (Jaro-Winkler similarity 0.8 or more), else "".
func closest(name string, candidates []string) string {
	best, score := "", 0.8
	for _, c := range candidates {
		if s := smetrics.JaroWinkler(strings.ToLower(name), strings.ToLower(c), 0.7, 4); s >= score {
			best, score = c, s
		}
	}
	return best
}

// suggestCommand is " (did you mean X?)" for a mistyped command name, or "".
func suggestCommand(cmds []*ucli.Command, name string) string {
	var names []string
	for _, c := range cmds {
		names = append(names, c.Names()...)
	}
	names = append(names, "help")
	if s := closest(name, names); s != "" {
		return fmt.Sprintf(": did you mean %q?", s)
	}
	return ""
}

// undefinedFlag is the flag package's error for an unknown flag.
var undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)

// suggestFlag adds "; did you mean --X?" to an unknown flag's error when
// cmd has a flag of a close name.
func suggestFlag(cmd *ucli.Command, err error) error {
	m := undefinedFlag.FindStringSubmatch(err.Error())
	if m == nil || cmd == nil {
		return err
	}
	var names []string
	for _, f := range cmd.Flags {
		names = append(names, f.Names()...)
	}
	s := closest(m[1], names)
	if s == "" {
		return err
	}
	dash := "--"
	if len(s) == 1 {
		dash = "-"
	}
	return fmt.Errorf("%w; did you mean %s%s?", err, dash, s)
}
