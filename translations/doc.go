// Package translations holds the messages nabij sends to families, in the
// families' own languages, and the small amount of logic needed to send them
// safely.
//
// A message that reaches a parent in the wrong language, or with a broken
// placeholder, does more harm than no message at all, so the package is
// strict where go-i18n is lenient:
//
//   - Every language lives in its own file, messages/<tag>.toml (the format
//     is described in the translation spec). Each file carries who reviewed it
//     and an English back-translation, so staff who do not read the language
//     can still see what a family receives.
//   - Load refuses a file whose metadata is inconsistent (wrong tag, unknown
//     review state, unknown direction, misspelt plural form) instead of
//     skipping it.
//   - Render never falls back to another language: a missing key, form or
//     placeholder value is an error, and the caller decides what to do (for
//     example, send in Dutch on purpose and tell staff).
//
// Plural forms follow the CLDR rules built into go-i18n. The count is the
// number of pupils a message is about, not a number printed in the text.
//
// Segments estimates how many SMS parts a text costs, so length can be tested
// and shown to staff before anything is sent.
//
// Check applies all of the above to every language and measures the morning
// alert with realistic names, so the tests and `nabij translations check`
// hold translators to one list of rules. testdata/golden/<tag>.txt shows a
// reviewer each message exactly as a family reads it.
package translations
