// Package webhook delivers Plaza's calls to app backends: the callbacks that
// report what happened in an app's communities (Dispatcher), and the
// beforeSendMessage hook consulted before a message is stored (Hook). The
// protocol is described in docs/webhooks.md.
//
// Callbacks go through a transactional outbox. The service queues a
// delivery in the store in the same transaction as the change it reports,
// so that a committed change is always reported and a rolled-back one never
// is; the Dispatcher then claims due deliveries from the store and POSTs
// them. Invariants a reader must not break:
//   - Delivery is at least once, never at most once. A delivery leaves the
//     queue only after its receiver answered 2xx (or after it was given up,
//     or its app stopped taking callbacks). A crash between a successful POST
//     and the delete redelivers it once its lease ends; receivers dedupe by
//     Plaza-Webhook-ID.
//   - A claimed delivery is leased (its NextAt moved to the lease's end), and
//     the lease outlasts one attempt, so that no other claim, on this node or
//     another, sends it meanwhile.
//   - The Dispatcher claims no more deliveries than it has idle workers:
//     nothing it claimed waits in memory while its lease runs out.
//   - The body POSTed is the delivery's Body byte for byte, on every retry.
//   - Redirects are never followed: a 3xx answer is a failed attempt.
package webhook
