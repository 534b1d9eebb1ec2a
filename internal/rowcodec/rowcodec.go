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
	"slices"
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

// contentCache holds decoded message content by its stored text, so that a
// message read often (the latest pages of a busy channel are) is decoded
// once, not once per read: decoding is a fifth of a history page's cost.
// An edit or a revoke stores new text, hence a new key; stale entries age
// out. Two generations bound it in bytes of text: when the current one
// holds maxContentBytes it becomes the previous one, whose entries move
// back to the current one when read again, and the older one is dropped.
type contentCache struct {
	mu        sync.Mutex
	cur, prev map[string]content
	curBytes  int
}

var contents contentCache

const (
	// maxContentBytes bounds a generation's text; with the decoded values
	// and both generations, the cache holds at most about four times this.
	maxContentBytes = 4 << 20
	// maxCachedContent is the longest text cached: a long message is rare
	// and would crowd out many short ones.
	maxCachedContent = 4 << 10
)

// DecodeContent fills m's content and annotations from the stored text. The
// slices in m's content may be shared with other messages decoded from the
// same text: they are read, never written in place.
func DecodeContent(text string, m *plaza.Message) error {
	c, ok := contents.get(text)
	if !ok {
		var err error
		if c, err = decodeContent(text); err != nil {
			return err
		}
	}
	m.MessageContent = c.MessageContent
	// The annotations are copied: a caller may change its message's.
	m.RepliedInfo, m.RevokeInfo, m.TipsInfo = copied(c.RepliedInfo), copied(c.RevokeInfo), copied(c.TipsInfo)
	return nil
}

// decodeContent decodes text, and caches it unless it is long.
func decodeContent(text string) (content, error) {
	var c content
	if err := json.Unmarshal([]byte(text), &c); err != nil {
		return c, fmt.Errorf("message content: %w", err)
	}
	// Clipped, an append to a shared slice copies it.
	c.MentionedUserIDs, c.Items = slices.Clip(c.MentionedUserIDs), slices.Clip(c.Items)
	if len(text) <= maxCachedContent {
		contents.mu.Lock()
		contents.put(text, c)
		contents.mu.Unlock()
	}
	return c, nil
}

// get returns the cached decoding of text, if any.
func (cc *contentCache) get(text string) (content, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.cur[text]; ok {
		return c, true
	}
	c, ok := cc.prev[text]
	if ok {
		delete(cc.prev, text)
		cc.put(text, c)
	}
	return c, ok
}

// put adds an entry to the current generation, first starting a new one if
// it is full. The caller holds mu.
func (cc *contentCache) put(text string, c content) {
	if cc.cur == nil || cc.curBytes+len(text) > maxContentBytes {
		cc.prev, cc.cur, cc.curBytes = cc.cur, make(map[string]content), 0
	}
	if _, ok := cc.cur[text]; !ok {
		cc.cur[text] = c
		cc.curBytes += len(text)
	}
}

// copied returns a copy of *p, or nil.
func copied[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
