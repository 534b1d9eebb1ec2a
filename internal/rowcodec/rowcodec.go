// Package rowcodec encodes the parts of Plaza's rows that the stores keep as
// JSON text (specs, webhook settings, attributes, mute roles, member mutes,
// message content), so that every store writes and reads the same documents.
// It also scans the rows the stores select alike (scan.go), with
// destinations that both database/sql and pgx fill, so that each store
// keeps only its SQL text, its driver calls and its error translation.
package rowcodec

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/plazahq/plaza"
)

// specs caches decoded specs by their stored text: every use case reads its
// app, and decoding the spec costs more than reading the row.
var specs struct {
	sync.Mutex
	m map[string]plaza.Spec
}

// maxSpecs bounds the cache: distinct spec texts are a few per app.
const maxSpecs = 1024

// DecodeSpec decodes a stored spec over the defaults, so that limits added
// after the app was stored keep their defaults.
func DecodeSpec(text string) (plaza.Spec, error) {
	specs.Lock()
	sp, ok := specs.m[text]
	specs.Unlock()
	if ok {
		return sp, nil
	}
	sp = plaza.DefaultSpec()
	if err := json.Unmarshal([]byte(text), &sp); err != nil {
		return plaza.Spec{}, fmt.Errorf("spec: %w", err)
	}
	specs.Lock()
	if specs.m == nil || len(specs.m) >= maxSpecs {
		specs.m = make(map[string]plaza.Spec)
	}
	specs.m[text] = sp
	specs.Unlock()
	return sp, nil
}

// EncodeSpec encodes a spec.
func EncodeSpec(sp plaza.Spec) string {
	b, _ := json.Marshal(sp) // a struct of numbers and booleans always encodes
	return string(b)
}

// DecodeWebhook decodes a stored webhook configuration. Events is never nil,
// so that JSON shows [] rather than null.
func DecodeWebhook(text string) (plaza.WebhookConfig, error) {
	w := plaza.WebhookConfig{}
	if text != "{}" { // no webhook: skip the decoder
		if err := json.Unmarshal([]byte(text), &w); err != nil {
			return plaza.WebhookConfig{}, fmt.Errorf("webhook: %w", err)
		}
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	return w, nil
}

// EncodeWebhook encodes a webhook configuration.
func EncodeWebhook(w plaza.WebhookConfig) string {
	if w.Events == nil {
		w.Events = []string{}
	}
	b, _ := json.Marshal(w) // a struct of strings, numbers and booleans always encodes
	return string(b)
}

// DecodeRoles decodes the roles of a custom mute; never nil.
func DecodeRoles(s string) ([]plaza.Role, error) {
	roles := []plaza.Role{}
	if s == "[]" { // no custom mute: skip the decoder
		return roles, nil
	}
	if err := json.Unmarshal([]byte(s), &roles); err != nil {
		return nil, fmt.Errorf("mute roles: %w", err)
	}
	return roles, nil
}

// EncodeRoles encodes the roles of a custom mute.
func EncodeRoles(roles []plaza.Role) string {
	if roles == nil {
		return "[]"
	}
	b, _ := json.Marshal(roles) // a slice of integers always encodes
	return string(b)
}

// DecodeAttributes decodes a community's or channel's attributes; never nil.
func DecodeAttributes(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "{}" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	return m, nil
}

// EncodeAttributes encodes attributes.
func EncodeAttributes(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return string(b)
}

// DecodeMutes reads a JSON array of [channel key, channel ID, expiry], as
// the stores aggregate a member's mutes; never nil.
func DecodeMutes(s string) ([]plaza.MemberMute, error) {
	if s == "[]" { // most members: skip the decoder
		return []plaza.MemberMute{}, nil
	}
	var rows [][3]any
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("member mutes: %w", err)
	}
	out := make([]plaza.MemberMute, 0, len(rows))
	for _, r := range rows {
		pk, _ := r[0].(float64)
		id, _ := r[1].(string)
		exp, _ := r[2].(float64)
		out = append(out, plaza.MemberMute{ChannelPK: int64(pk), ChannelID: id, MuteExpiredTime: int64(exp)})
	}
	return out, nil
}

// content is what a message's content column holds: the sender's content
// and the server's annotations.
type content struct {
	plaza.MessageContent
	RepliedInfo *plaza.RepliedInfo `json:"repliedInfo,omitempty"`
	RevokeInfo  *plaza.RevokeInfo  `json:"revokeInfo,omitempty"`
	TipsInfo    *plaza.TipsInfo    `json:"tipsInfo,omitempty"`
}

// EncodeContent encodes a message's content with its annotations.
func EncodeContent(m *plaza.Message) (string, error) {
	b, err := json.Marshal(content{MessageContent: m.MessageContent, RepliedInfo: m.RepliedInfo, RevokeInfo: m.RevokeInfo, TipsInfo: m.TipsInfo})
	if err != nil {
		return "", fmt.Errorf("encode message: %w", err)
	}
	return string(b), nil
}

// DecodeContent fills m's content and annotations from the stored text.
func DecodeContent(text string, m *plaza.Message) error {
	var c content
	if err := json.Unmarshal([]byte(text), &c); err != nil {
		return fmt.Errorf("message content: %w", err)
	}
	m.MessageContent, m.RepliedInfo, m.RevokeInfo, m.TipsInfo = c.MessageContent, c.RepliedInfo, c.RevokeInfo, c.TipsInfo
	return nil
}
