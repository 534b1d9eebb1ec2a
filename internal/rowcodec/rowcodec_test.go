package rowcodec

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/plazahq/plaza"
)

// TestDecodeContentCached checks that a cached decoding reads as a fresh
// one and that no message decoded from the same text sees another's
// changes.
func TestDecodeContentCached(t *testing.T) {
	t.Parallel()
	text, err := EncodeContent(&plaza.Message{
		MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "hi @bob", MentionedUserIDs: []string{"bob", "carol"}},
		RepliedInfo:    &plaza.RepliedInfo{MessageID: "7", MessageSeq: 3, SenderUserID: "alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var first, second plaza.Message
	if err := DecodeContent(text, &first); err != nil {
		t.Fatal(err)
	}
	want := first.MessageContent
	want.MentionedUserIDs = append([]string(nil), first.MentionedUserIDs...)
	wantReplied := *first.RepliedInfo

	first.RepliedInfo.MessageSeq = 99
	first.MentionedUserIDs = append(first.MentionedUserIDs, "dave")
	first.MentionedUserIDs[0] = "mallory" // the appended copy, not the shared array

	if err := DecodeContent(text, &second); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(second.MessageContent, want) || *second.RepliedInfo != wantReplied {
		t.Fatalf("second decoding: %+v %+v; want %+v %+v", second.MessageContent, *second.RepliedInfo, want, wantReplied)
	}
	if second.RepliedInfo == first.RepliedInfo {
		t.Fatal("two messages share one RepliedInfo")
	}
	if err := DecodeContent(`{"type":`, &second); err == nil {
		t.Fatal("malformed content decoded")
	}
}

// TestContentCacheBounded checks that the cache holds at most two
// generations of maxContentBytes of text, and that long texts are not kept.
func TestContentCacheBounded(t *testing.T) {
	var cc contentCache
	text := func(i int) string { return fmt.Sprintf(`{"type":1,"message":"%0200d"}`, i) }
	n := 3 * maxContentBytes / len(text(0))
	for i := range n {
		cc.put(text(i), content{})
	}
	size := 0
	for k := range cc.cur {
		size += len(k)
	}
	for k := range cc.prev {
		size += len(k)
	}
	if size > 2*maxContentBytes {
		t.Fatalf("cache holds %d bytes of text; want at most %d", size, 2*maxContentBytes)
	}
	if _, ok := cc.get(text(n - 1)); !ok {
		t.Fatal("the latest entry is not cached")
	}
	if _, ok := cc.get(text(0)); ok {
		t.Fatal("the oldest entry is still cached")
	}
	// An entry of the previous generation read again moves to the current.
	var old string
	for k := range cc.prev {
		old = k
		break
	}
	if _, ok := cc.get(old); !ok {
		t.Fatal("an entry of the previous generation is not found")
	}
	if _, ok := cc.cur[old]; !ok {
		t.Fatal("an entry read from the previous generation did not move to the current")
	}
}
