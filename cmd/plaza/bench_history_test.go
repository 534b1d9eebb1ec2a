package main

import (
	"testing"

	"github.com/plazahq/plaza"
)

// TestBenchHistory runs the history scenario tiny, against a server in a
// child process (this test binary, through TestMain): a seeded channel is
// read page by page while senders add to it, every page holds the seqs it
// should, and both kinds of read and the windows are measured.
func TestBenchHistory(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "history", "--messages", "2000", "--rate", "20", "--duration", "2s", "--readers", "2")
	num := func(k string) float64 {
		t.Helper()
		v, ok := res[k].(float64)
		if !ok {
			t.Fatalf("result has %s = %v, want a number", k, res[k])
		}
		return v
	}
	if res["scenario"] != "history" || num("messages") != 2000 || num("readers") != 2 || num("page") != 50 {
		t.Errorf("ran %v with %v messages, %v readers, pages of %v; want history, 2000, 2, 50",
			res["scenario"], res["messages"], res["readers"], res["page"])
	}
	if num("reads") == 0 || num("errors") != 0 || num("wrongPages") != 0 {
		t.Errorf("%v reads with %v errors (%v wrong pages), want some and none", res["reads"], res["errors"], res["wrongPages"])
	}
	// Every answered page was checked against the seqs it should hold.
	if num("pagesChecked") != num("reads") || num("latestReads")+num("backReads") != num("reads") {
		t.Errorf("%v pages checked of %v reads (%v latest, %v back), want all", res["pagesChecked"], res["reads"],
			res["latestReads"], res["backReads"])
	}
	if num("latestReads") == 0 || num("backReads") == 0 {
		t.Errorf("%v latest and %v back reads, want both", res["latestReads"], res["backReads"])
	}
	for _, k := range []string{"latestP50Ms", "latestP99Ms", "backP50Ms", "backP99Ms", "p99Ms", "windowMedianP99Ms", "windowWorstP99Ms", "rssBytes"} {
		if num(k) <= 0 {
			t.Errorf("%s = %v, want it measured", k, res[k])
		}
	}
	if w := num("windows"); w < 1 || w > 2 || num("emptyWindows") != 0 || num("minWindowReads") < 1 {
		t.Errorf("%v windows (%v empty, fewest reads %v), want 1 or 2 with reads in each", w, res["emptyWindows"], res["minWindowReads"])
	}
	if r := num("windowWorstRatio"); r < 1 {
		t.Errorf("worst window / median = %v, want at least 1", r)
	}
	if num("acked") == 0 || num("sendErrors") != 0 {
		t.Errorf("%v sends acked with %v errors, want some and none", res["acked"], res["sendErrors"])
	}
	if num("seedSeconds") < 0 || res["seeding"] == "" {
		t.Errorf("seeding %q in %v s, want it described", res["seeding"], res["seedSeconds"])
	}
}

// TestBenchHistoryCheck makes sure a reader tells a wrong page from a right
// one: the scenario's page check is what its error count rests on.
func TestBenchHistoryCheck(t *testing.T) {
	r := &historyReader{channel: "history", page: 3, minLast: 10}
	page := func(next int64, seqs ...int64) plaza.QueryHistoryMessageResult {
		res := plaza.QueryHistoryMessageResult{ChannelID: "history", NextMessageSeq: next}
		for _, s := range seqs {
			res.MessageList = append(res.MessageList, plaza.Message{ChannelID: "history", MessageSeq: s})
		}
		return res
	}
	for _, c := range []struct {
		name   string
		before int64
		res    plaza.QueryHistoryMessageResult
		ok     bool
	}{
		{"latest", 0, page(8, 8, 9, 10), true},
		{"latest with newer sends", 0, page(10, 10, 11, 12), true},
		{"back", 8, page(5, 5, 6, 7), true},
		{"back to the first", 3, page(0, 1, 2), true},
		{"latest before the last seq", 0, page(7, 7, 8, 9), false},
		{"back not ending before", 8, page(4, 4, 5, 6), false},
		{"back with a gap", 8, page(4, 4, 6, 7), false},
		{"back too short", 8, page(6, 6, 7), false},
		{"wrong next seq", 8, page(0, 5, 6, 7), false},
		{"empty", 8, page(0), false},
		{"other channel", 8, plaza.QueryHistoryMessageResult{MessageList: []plaza.Message{{ChannelID: "x", MessageSeq: 7}}}, false},
	} {
		if err := r.check(c.res, c.before); (err == nil) != c.ok {
			t.Errorf("%s: check = %v, want ok %v", c.name, err, c.ok)
		}
	}
}
