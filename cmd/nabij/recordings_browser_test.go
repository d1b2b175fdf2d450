package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nabij-isk/nabij/voice/voicetest"
)

// The admin records the Tigrinya absent message on the admin page, without
// JavaScript: a 20-minute file and a picture are refused with the reason
// beside the form, a 4-second WAV is kept and shown as recorded by its
// speaker; then, with JavaScript, the page's <audio> plays it: its source
// answers 200 with the audio's type and the bytes uploaded, and the player
// reads its length.
func TestAdminRecordsAMessage(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.createUser("B. Beheer", "admin")
	dir := t.TempDir()
	wav := voicetest.Tone(4*time.Second, 8000, 16, -6)
	files := map[string][]byte{
		"bericht.wav": wav,
		"lang.wav":    voicetest.Tone(20*time.Minute, 8000, 8, -6),
		"foto.png":    voicetest.PNG,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const row = `#voice-ti-absent`
	upload := func(file string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.SetUploadFiles(row+` form[action="/admin/recordings"] input[type=file]`, []string{filepath.Join(dir, file)}, chromedp.ByQuery),
			chromedp.SendKeys(row+` input[name=spoken_by]`, "Mehret T.", chromedp.ByQuery),
			chromedp.Click(row+` form[action="/admin/recordings"] button`, chromedp.ByQuery),
		}
	}

	page := browser(t, false)
	var none, refusedLong, refusedPNG, kept string
	if err := chromedp.Run(page,
		chromedp.Navigate(h.signInLink(h.userID("B. Beheer"))+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row, &none, chromedp.ByQuery),
		upload("lang.wav"),
		chromedp.WaitVisible(row+` .error`, chromedp.ByQuery),
		chromedp.Text(row+` .error`, &refusedLong, chromedp.ByQuery),
		upload("foto.png"),
	); err != nil {
		t.Fatal(err)
	}
	// The page after the second upload has a refusal in the same place as
	// the first: wait for its text, reading again while the page changes
	// under the read ("could not find node").
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(refusedPNG, "not a sound recording") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		_ = chromedp.Run(page, chromedp.Text(row+` .error`, &refusedPNG, chromedp.ByQuery))
	}
	if !strings.Contains(none, "None: a call cannot carry this message") {
		t.Errorf("before any recording the row says %q", none)
	}
	if !strings.Contains(refusedLong, "the recording is 20m0s long") {
		t.Errorf("the 20-minute file: %q", refusedLong)
	}
	if !strings.Contains(refusedPNG, "not a sound recording") {
		t.Errorf("the picture: %q", refusedPNG)
	}
	var list recordingsJSON
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &list)
	if len(list.Recordings) != 0 {
		t.Fatalf("a refused file was kept: %+v", list.Recordings)
	}
	if err := chromedp.Run(page,
		upload("bericht.wav"),
		chromedp.WaitVisible(row+` audio`, chromedp.ByQuery),
		chromedp.Text(row, &kept, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kept, "Recorded by Mehret T.") {
		t.Errorf("after the upload the row says %q", kept)
	}
	screenshot(t, page, "admin-recording.png")

	player := browser(t, true)
	var heard struct {
		Status   int     `json:"status"`
		Type     string  `json:"type"`
		Size     int     `json:"size"`
		Duration float64 `json:"duration"`
		Error    string  `json:"error"`
	}
	const play = `new Promise(async (resolve) => {
  const a = document.querySelector('#voice-ti-absent audio');
  const r = await fetch(a.src);
  const b = await r.arrayBuffer();
  const done = () => resolve({status: r.status, type: r.headers.get('content-type'), size: b.byteLength, duration: a.duration});
  if (a.readyState >= 1) { done(); return; }
  a.addEventListener('loadedmetadata', done);
  a.addEventListener('error', () => resolve({error: 'media error ' + (a.error && a.error.code)}));
  a.load();
})`
	if err := chromedp.Run(player,
		chromedp.Navigate(h.signInLink(h.userID("B. Beheer"))+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(row+` audio`, chromedp.ByQuery),
		chromedp.Evaluate(play, &heard, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	); err != nil {
		t.Fatal(err)
	}
	if heard.Error != "" || heard.Status != 200 || heard.Type != "audio/wav" || heard.Size != len(wav) || heard.Duration < 3.9 || heard.Duration > 4.1 {
		t.Errorf("the page's player: %+v, want 200 audio/wav of %d bytes lasting 4 s", heard, len(wav))
	}
}
