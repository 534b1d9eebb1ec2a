package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/plazahq/plaza"
)

// errDecoded stops an operation once its request has decoded: the fuzz
// target exercises the decoders, not the use cases.
var errDecoded = errors.New("decoded")

// FuzzFrame feeds arbitrary text frames to the decoding a connection does:
// the frame, then its payload as its op (heartbeat, identify, resume) or
// its request (renewToken, setActiveCommunities, or any operation of the
// table) reads it. Nothing may panic; a payload refused must be refused with
// invalid_argument; a frame that decodes encodes again to one that decodes
// the same.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{
		`{"op":"heartbeat","d":{"seq":3}}`,
		`{"op":"heartbeat"}`,
		`{"op":"identify","d":{"token":"a.b.c","protocolVersion":1}}`,
		`{"op":"resume","d":{"sessionID":"s","seq":1,"token":"t"}}`,
		`{"op":"request","id":"1","t":"sendMessage","d":{"communityID":"c","channelID":"#general","message":{"type":1,"message":"hi"}}}`,
		`{"op":"request","id":"2","t":"setActiveCommunities","d":{"communityIDs":["a","b"]}}`,
		`{"op":"request","id":"3","t":"renewToken","d":{"token":"x"}}`,
		`{"op":"request","id":"4","t":"createCommunity","d":null}`,
		`{"op":"request","id":"5","t":"createCommunity","d":{"communityID":"a","communityID":"b"}}`,
		`{"op":"request","id":"6","t":"setCommunityAttributes","d":{"communityAttributes":{"k":"\u0000"}}}`,
		`{"op":"request","t":"queryHistoryMessage","d":{"count":1e99}}`,
		`{"op":1}`, `[]`, `null`, `{"op":"request","d":"x"}`, "{\"op\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var fr Frame
		if err := json.Unmarshal(payload, &fr); err != nil {
			return // the connection closes with CloseDecodeError
		}
		var again Frame
		if err := json.Unmarshal(encodeFrame(fr), &again); err != nil || again.Op != fr.Op || again.T != fr.T || again.ID != fr.ID || again.S != fr.S {
			t.Fatalf("frame %q re-encodes to one that decodes to %+v (%v)", payload, again, err)
		}
		d := orEmpty(fr.D)
		var target any
		switch fr.Op {
		case OpHeartbeat:
			target = new(Heartbeat)
		case OpIdentify:
			target = new(Identify)
		case OpResume:
			target = new(Resume)
		case OpRequest:
			switch fr.T {
			case "renewToken":
				target = new(RenewToken)
			case "setActiveCommunities":
				target = new(SetActiveCommunities)
			default:
				op, ok := plaza.LookupOperation(fr.T)
				if !ok {
					return // unknown_operation
				}
				_, err := op.Call(context.Background(), nil, plaza.Actor{AppID: "a", UserID: "u"}, func(v any) error {
					if err := plaza.DecodeJSON(d, v); err != nil {
						return err
					}
					return errDecoded
				})
				if err != errDecoded && plaza.ErrorCode(err) != plaza.EInvalidArgument {
					t.Fatalf("request %s with %q: %v, want invalid_argument or a decoded request", fr.T, d, err)
				}
				return
			}
		default:
			return
		}
		if err := plaza.DecodeJSON(d, target); err != nil && plaza.ErrorCode(err) != plaza.EInvalidArgument {
			t.Fatalf("%s payload %q: %v, want invalid_argument", fr.Op, d, err)
		}
	})
}
