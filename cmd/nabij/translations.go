package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/voice"
)

const translationsUsage = `Usage:
  nabij translations check [--data DIR]
                             check every language: keys, plural forms, placeholders,
                             back-translations, and whether the morning alert fits in
                             2 SMS for a first name and initial (3 right to left),
                             3 for a full name;
                             exit 1 when one does not. VOICE
                             says what a call in the language uses: with --data, the
                             school's recordings in that (stopped) nabij's store too
  nabij translations export LANG [--data DIR]
                             the school's own wording of LANG, as its reviewers corrected
                             it, as the language's TOML file (the embedded one without)
`

// loadCatalog is the catalog the command checks; tests replace it with a
// catalog loaded from a broken fstest.MapFS.
var loadCatalog = translations.Load

// translationsCmd runs `nabij translations <subcommand>`. It is for whoever
// adds or edits a language: one table that says whether each language can
// be sent, and a sentence for every problem, without reading Go test output.
func translationsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 {
			fmt.Fprintf(stderr, "nabij translations: unknown subcommand %q\n\n", args[0])
		}
		fmt.Fprint(stderr, translationsUsage)
		return 2
	}
	fs := flag.NewFlagSet("translations check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, translationsUsage)
		return 2
	}
	c, err := loadCatalog()
	if err != nil {
		// Load refuses the whole catalog for one bad file, as the service
		// would at start-up; that is a failed check, not a usage error.
		fmt.Fprintln(stderr, "nabij translations check:", err)
		return 1
	}
	if raw := os.Getenv("NABIJ_SMS_PRICE"); raw != "" {
		p, err := strconv.ParseFloat(raw, 64)
		if err != nil || p < 0 {
			fmt.Fprintf(stderr, "nabij translations check: NABIJ_SMS_PRICE=%q: want the price of one SMS part, such as 0.0825\n", raw)
			return 2
		}
		smsPrice = p
	}
	reports := c.Check()
	recs, looked := voiceRecordings(*data, stderr)
	printTranslationsTable(stdout, reports, recs)
	fmt.Fprintf(stdout, "\nALERT is the morning alert for one pupil, for the name that makes it longest: encoding,\n"+
		"SMS segments and (length); %s/100 ALERTS is what a hundred of them cost at %.4f %s a part (NABIJ_SMS_PRICE).\n"+
		"%d SMS hold 306 GSM-7 septets or 134 UTF-16 units; a right-to-left language may\n"+
		"use %d (201 UTF-16 units): each name and the school's name are wrapped in Unicode isolates, so a phone lays them out right.\n"+
		"FULL NAME is the same alert with a name as the roster import writes it (given name and family name, up to 30\n"+
		"characters): at most %d SMS.\n",
		smsCurrency, smsPrice, smsCurrency, translations.MaxAlertSegments, translations.MaxAlertSegmentsRTL, translations.MaxAlertSegmentsFullName)
	fmt.Fprintf(stdout, "VOICE is what a call in the language says for its messages (%s): the school's recording (by\n"+
		"whom), else the speech engine (Twilio's <Say>), else none: a call cannot carry that message.\n", kindNames())
	if looked == "" {
		fmt.Fprintln(stdout, "Recordings were not looked for: --data DIR reads them from a stopped nabij's store (or a backup).")
	} else {
		fmt.Fprintf(stdout, "Recordings as the store in %s keeps them.\n", looked)
	}

	if name := os.Getenv("NABIJ_SCHOOL_NAME"); name != "" {
		if warnings := c.SchoolNameFit(name); len(warnings) > 0 {
			fmt.Fprintf(stdout, "\nWith NABIJ_SCHOOL_NAME %q the alert outgrows its SMS budget in %d languages (a shorter name, or plain ASCII, keeps it):\n", name, len(warnings))
			for _, w := range warnings {
				fmt.Fprintln(stdout, w)
			}
		}
	}

	bad := 0
	for _, r := range reports {
		if !r.OK() {
			bad++
		}
	}
	problems := 0
	for _, r := range reports {
		for _, p := range r.Problems {
			if problems == 0 {
				fmt.Fprintln(stdout)
			}
			problems++
			fmt.Fprintf(stdout, "%s: %s\n", r.Language.Tag, p)
		}
	}
	fmt.Fprintln(stdout)
	if bad > 0 {
		fmt.Fprintf(stdout, "%d of %d languages are not fit to send (%d problems).\n", bad, len(reports), problems)
		return 1
	}
	fmt.Fprintf(stdout, "All %d languages pass. Alert: %q and names %s; full names %s.\n",
		len(reports), translations.CheckSchool, strings.Join(quoteAll(translations.RealisticNames), ", "), strings.Join(quoteAll(translations.FullNames), ", "))
	return 0
}

func printTranslationsTable(w io.Writer, reports []translations.Report, recs []voice.Recording) {
	langs := make([]translations.Language, len(reports))
	for i, r := range reports {
		langs[i] = r.Language
	}
	voices := app.Coverage(langs, recs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "LANGUAGE\tKEYS\tPLURALS\tPLACEHOLDERS\tGENDER\tDIRECTION\tALERT (1 PUPIL)\tWORST NAME\tWHY UCS-2\tFULL NAME\t2 PUPILS\t%s/100 ALERTS\tREVIEW\tVOICE\n", smsCurrency)
	for i, r := range reports {
		l := r.Language
		fmt.Fprintf(tw, "%s %s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\n",
			l.Tag, l.EnglishName,
			r.Keys, r.Total,
			yesNo(r.PluralsComplete()),
			yesNo(r.PlaceholdersConsistent()),
			genderText(r),
			directionText(l),
			fitText(r.Alert, r.Language.MaxSegments()),
			orDash(r.Alert.Name),
			orDash(r.Alert.Why),
			segmentsText(r.FullName),
			segmentsText(r.Siblings),
			float64(r.Alert.Segments)*100*smsPrice,
			reviewText(l),
			voiceText(voices[i]),
		)
	}
	tw.Flush()
}

// smsPrice is what one SMS part costs, for the cost column: NABIJ_SMS_PRICE
// (e.g. 0.0825). The default is an assumption, not a quoted price: a school
// sets the one on its own invoice.
var smsPrice, smsCurrency = 0.0825, "EUR"

// genderText says whether a language marks the pupil's gender, and whether
// every message about one pupil has its feminine and masculine variant.
func genderText(r translations.Report) string {
	switch {
	case !r.Language.Gender && r.GenderComplete():
		return "not marked"
	case r.GenderComplete():
		return "f/m variants"
	default:
		return "VARIANTS MISSING"
	}
}

// directionText says how a right-to-left language's values are laid out.
func directionText(l translations.Language) string {
	if l.Direction == "rtl" {
		return "rtl, isolated"
	}
	return "ltr"
}

// fitText shows the encoding, the parts and the length they came from, so
// a reader sees how close a language is to the next part.
func fitText(a translations.AlertFit, max int) string {
	if a.Segments == 0 {
		return "cannot render"
	}
	over := ""
	if a.Segments > max {
		over = " TOO LONG"
	}
	return fmt.Sprintf("%s %s (%d)%s", a.Encoding, segmentsText(a), a.Chars, over)
}

func segmentsText(a translations.AlertFit) string {
	switch a.Segments {
	case 0:
		return "-"
	case 1:
		return "1 SMS"
	}
	return fmt.Sprintf("%d SMS", a.Segments)
}

func reviewText(l translations.Language) string {
	if l.Review == translations.ReviewReviewed {
		return fmt.Sprintf("reviewed by %s on %s", l.ReviewedBy, l.ReviewedOn)
	}
	return l.Review
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// voiceRecordings are the school's recordings in the store in dir, read
// only, and dir when they were read; none and "" without dir, or when the
// store cannot be read (said on stderr: the check goes on without them).
func voiceRecordings(dir string, stderr io.Writer) ([]voice.Recording, string) {
	if dir == "" {
		return nil, ""
	}
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		fmt.Fprintln(stderr, "nabij translations check: recordings not read:", err)
		return nil, ""
	}
	defer st.Close()
	var recs []voice.Recording
	if err := st.View(func(tx *store.Tx) error {
		var err error
		recs, err = tx.Recordings()
		return err
	}); err != nil {
		fmt.Fprintln(stderr, "nabij translations check: recordings not read:", err)
		return nil, ""
	}
	return recs, dir
}

// voiceText is the VOICE column: what calls in a language use, as one
// word when every message uses the same ("speech engine", "none",
// "recorded by Mehret T."), else each with its messages.
func voiceText(l app.LanguageVoice) string {
	var labels []string
	kinds := map[string][]string{}
	for _, k := range l.Kinds {
		label := "none"
		switch k.Source.Use {
		case voice.UseRecording:
			label = "recorded by " + k.Source.SpokenBy
		case voice.UseSpeech:
			label = "speech engine"
		}
		if _, seen := kinds[label]; !seen {
			labels = append(labels, label)
		}
		kinds[label] = append(kinds[label], string(k.Kind))
	}
	if len(labels) == 1 {
		return labels[0]
	}
	parts := make([]string, len(labels))
	for i, label := range labels {
		parts[i] = label + " (" + strings.Join(kinds[label], ", ") + ")"
	}
	return strings.Join(parts, "; ")
}

// kindNames are the messages of a call, for the VOICE note.
func kindNames() string {
	names := make([]string, len(voice.Kinds))
	for i, k := range voice.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
