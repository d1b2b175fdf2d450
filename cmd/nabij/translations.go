package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/nabij-isk/nabij/translations"
)

const translationsUsage = `Usage:
  nabij translations check   check every language: keys, plural forms, placeholders,
                             back-translations, and whether the morning alert fits in
                             2 SMS for realistic names; exit 1 when one does not
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
	if len(args) != 1 || args[0] != "check" {
		if len(args) > 0 && args[0] != "check" {
			fmt.Fprintf(stderr, "nabij translations: unknown subcommand %q\n\n", args[0])
		}
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
	printTranslationsTable(stdout, reports)
	fmt.Fprintf(stdout, "\nALERT is the morning alert for one pupil, for the name that makes it longest: encoding,\n"+
		"SMS segments and (length); %s/100 ALERTS is what a hundred of them cost at %.4f %s a part (NABIJ_SMS_PRICE).\n"+
		"%d SMS hold 306 GSM-7 septets or 134 UTF-16 units; a right-to-left language may\n"+
		"use %d (201 UTF-16 units): each name and the school's name are wrapped in Unicode isolates, so a phone lays them out right.\n",
		smsCurrency, smsPrice, smsCurrency, translations.MaxAlertSegments, translations.MaxAlertSegmentsRTL)

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
	fmt.Fprintf(stdout, "All %d languages pass. Alert: %q and names %s.\n",
		len(reports), translations.CheckSchool, strings.Join(quoteAll(translations.RealisticNames), ", "))
	return 0
}

func printTranslationsTable(w io.Writer, reports []translations.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "LANGUAGE\tKEYS\tPLURALS\tPLACEHOLDERS\tGENDER\tDIRECTION\tALERT (1 PUPIL)\tWORST NAME\tWHY UCS-2\t2 PUPILS\t%s/100 ALERTS\tREVIEW\n", smsCurrency)
	for _, r := range reports {
		l := r.Language
		fmt.Fprintf(tw, "%s %s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n",
			l.Tag, l.EnglishName,
			r.Keys, r.Total,
			yesNo(r.PluralsComplete()),
			yesNo(r.PlaceholdersConsistent()),
			genderText(r),
			directionText(l),
			fitText(r.Alert, r.Language.MaxSegments()),
			orDash(r.Alert.Name),
			orDash(r.Alert.Why),
			segmentsText(r.Siblings),
			float64(r.Alert.Segments)*100*smsPrice,
			reviewText(l),
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
