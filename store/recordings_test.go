package store

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nabij-isk/nabij/voice"
)

// A new recording of a language and kind replaces the old one, whose audio
// goes with it in the same transaction: no audio without its recording.
func TestRecordingReplacesTheOldAndItsAudio(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		put := func(lang string, kind voice.Kind, by string, audio []byte) voice.Recording {
			t.Helper()
			r := voice.Recording{Language: lang, Kind: kind, SpokenBy: by, Format: "wav", ContentType: "audio/wav"}
			if err := s.Update(func(tx *Tx) error { return tx.PutRecording(&r, audio) }); err != nil {
				t.Fatal(err)
			}
			return r
		}
		first := put("ti", voice.KindAbsent, "Mehret", []byte("first"))
		other := put("ti", voice.KindLate, "Mehret", []byte("late"))
		second := put("ti", voice.KindAbsent, "Yonas", []byte("second"))
		if first.ID == second.ID || second.Size != int64(len("second")) {
			t.Fatalf("ids %s, %s; size %d", first.ID, second.ID, second.Size)
		}
		if err := s.View(func(tx *Tx) error {
			cur, ok, err := tx.Recording("ti", voice.KindAbsent)
			if err != nil || !ok || cur.ID != second.ID || cur.SpokenBy != "Yonas" {
				t.Errorf("current: %+v %v %v", cur, ok, err)
			}
			if _, ok, _ := tx.RecordingByID(first.ID); ok {
				t.Error("the replaced recording is still there")
			}
			if _, ok, _ := tx.RecordingAudio(first.ID); ok {
				t.Error("the replaced recording's audio is still there")
			}
			if a, ok, _ := tx.RecordingAudio(second.ID); !ok || !bytes.Equal(a, []byte("second")) {
				t.Errorf("audio %q %v", a, ok)
			}
			all, err := tx.Recordings()
			if err != nil || len(all) != 2 || all[0].ID != other.ID || all[1].ID != second.ID {
				t.Errorf("recordings %+v %v", all, err)
			}
			// Every audio belongs to a recording and the other way round.
			n := 0
			if err := tx.tx.Bucket(bucketRecordingAudio).ForEach(func(k, _ []byte) error {
				n++
				if tx.tx.Bucket(bucketRecordings).Get(k) == nil {
					t.Errorf("orphan audio %s", k)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("%d audios kept, want 2", n)
			}
			_, ok, err = tx.Recording("ti", voice.KindThanks)
			if ok || err != nil {
				t.Errorf("a recording never made: %v %v", ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error { return tx.DeleteRecording(second.ID) }); err != nil {
			t.Fatal(err)
		}
		err := s.Update(func(tx *Tx) error { return tx.DeleteRecording(second.ID) })
		if !errors.Is(err, ErrNoRecording) {
			t.Errorf("deleting twice: %v", err)
		}
		if err := s.View(func(tx *Tx) error {
			if _, ok, _ := tx.RecordingAudio(second.ID); ok {
				t.Error("a deleted recording's audio is still there")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		bad := voice.Recording{Language: "ti", Kind: "song"}
		if err := s.Update(func(tx *Tx) error { return tx.PutRecording(&bad, []byte("x")) }); err == nil {
			t.Error("a recording of no known kind was kept")
		}
	})
}

// The media key is made once and kept: a second store on the same file
// (a restart) signs with the same key.
func TestMediaKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.MediaKey()
	if err != nil || len(k1) != 32 {
		t.Fatalf("key %x %v", k1, err)
	}
	k2, _ := s.MediaKey()
	if !bytes.Equal(k1, k2) {
		t.Error("the key changed within one run")
	}
	s.Close()
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k3, _ := s.MediaKey()
	if !bytes.Equal(k1, k3) {
		t.Error("the key changed across a restart")
	}
	if other := openStore(t); other != nil {
		k4, _ := other.MediaKey()
		if bytes.Equal(k1, k4) {
			t.Error("two stores have the same key")
		}
	}
}
