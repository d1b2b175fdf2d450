package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/voice"
	"github.com/nabij-isk/nabij/voice/voicetest"
)

// `nabij translations check` says per language what a call uses: without
// a store only the speech engine or none, and that it did not look for
// recordings; with --data the school's recordings too, by whom.
func TestTranslationsCheckVoiceColumn(t *testing.T) {
	t.Parallel()
	voiceOf := func(out string) map[string]string {
		rows := map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			tag, _, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			switch {
			case strings.HasSuffix(line, "speech engine"):
				rows[tag] = "speech engine"
			case strings.HasSuffix(line, "  none"):
				rows[tag] = "none"
			case strings.Contains(line, "recorded by"):
				rows[tag] = line[strings.Index(line, "recorded by"):]
			}
		}
		return rows
	}
	var out, errb bytes.Buffer
	if code := translationsCmd([]string{"check"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	rows := voiceOf(out.String())
	if rows["nl"] != "speech engine" || rows["en"] != "speech engine" || rows["ti"] != "none" || rows["so"] != "none" || rows["ar"] != "speech engine" {
		t.Errorf("VOICE without a store: %v", rows)
	}
	if !strings.Contains(out.String(), "Recordings were not looked for") {
		t.Errorf("the check does not say it did not look for recordings:\n%s", out.String())
	}

	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	wav := voicetest.Tone(3*time.Second, 8000, 16, -6)
	for _, k := range []voice.Kind{voice.KindAbsent, voice.KindLate, voice.KindApology, voice.KindThanks} {
		r := voice.Recording{Language: "ti", Kind: k, SpokenBy: "Mehret T.", Format: "wav", ContentType: "audio/wav"}
		if err := st.Update(func(tx *store.Tx) error { return tx.PutRecording(&r, wav) }); err != nil {
			t.Fatal(err)
		}
	}
	r := voice.Recording{Language: "nl", Kind: voice.KindAbsent, SpokenBy: "J. de Boer", Format: "wav", ContentType: "audio/wav"}
	if err := st.Update(func(tx *store.Tx) error { return tx.PutRecording(&r, wav) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out.Reset()
	errb.Reset()
	if code := translationsCmd([]string{"check", "--data", dir}, &out, &errb); code != 0 || errb.Len() > 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	rows = voiceOf(out.String())
	if rows["ti"] != "recorded by Mehret T." || rows["nl"] != "recorded by J. de Boer (absent); speech engine (late, apology, thanks)" ||
		rows["so"] != "none" || rows["ar"] != "speech engine" || rows["en"] != "speech engine" {
		t.Errorf("VOICE with the store: %v", rows)
	}
	if !strings.Contains(out.String(), "Recordings as the store in "+dir+" keeps them.") {
		t.Errorf("the check does not say where the recordings came from:\n%s", out.String())
	}
}
