package client_test

import (
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/httpapi"
)

// TestRoutesMatchServer keeps the SDK's route table identical to the
// server's, and both complete: every operation has a route.
func TestRoutesMatchServer(t *testing.T) {
	t.Parallel()
	mine := client.Routes()
	server := map[string][2]string{}
	for _, r := range httpapi.Routes() {
		server[r[2]] = [2]string{r[0], r[1]}
	}
	for id, r := range server {
		if mine[id] != r {
			t.Errorf("%s: server routes it to %v, the SDK to %v", id, r, mine[id])
		}
	}
	for id := range mine {
		if _, ok := server[id]; !ok {
			t.Errorf("the SDK routes %s, which the server does not", id)
		}
	}
	for _, op := range plaza.Operations() {
		if _, ok := server[op.ID]; !ok {
			t.Errorf("operation %s has no HTTP route", op.ID)
		}
	}
}
