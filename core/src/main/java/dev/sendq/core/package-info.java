/**
 * sendq's queue engine: an email sender's outgoing messages in memory, their delivery states,
 * and lock-free counters per (sender, account, campaign, ISP).
 *
 * <h2>Where to start</h2>
 * {@link dev.sendq.core.QueueEngine} hosts senders; each {@link dev.sendq.core.SenderQueue}
 * takes messages ({@code enqueue}), hands them to workers ({@code take} into a reusable
 * {@link dev.sendq.core.Lease}), holds traffic by {@link dev.sendq.core.Selector} and answers
 * {@link dev.sendq.core.SenderQueue#stats stats} queries from its counters.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Cell</b>: the counters of one (sender, account, campaign, ISP). A message finds its
 *       cell once, when it is enqueued; every later transition touches only that cell.</li>
 *   <li><b>Live states</b>: NEW, PROC, RETRY, HOLD ({@link dev.sendq.core.MessageState});
 *       {@code total = new + proc + retry + hold}. <b>Outcomes</b>: delivered, failed,
 *       expired, cancelled ({@link dev.sendq.core.Outcome}), cumulative.</li>
 *   <li><b>Lock-free</b>: a call completes whatever other threads do, in a bounded number of its
 *       own steps when also <b>wait-free</b>; counter updates are wait-free, reports
 *       ({@code delivered}, {@code failed}) are lock-free.</li>
 *   <li><b>Sender lock</b>: queue structure (which message is next) is guarded by one lock per
 *       sender, held for O(log n) work and never while a listener runs.</li>
 *   <li><b>Quiet</b>: no transition in flight. Counts are exact when quiet; see
 *       {@link dev.sendq.core.SenderQueue#stats} for what they promise otherwise.</li>
 *   <li><b>Refused</b>: a transition the state machine does not allow throws
 *       ({@link dev.sendq.core.IllegalTransitionException} and its kin) and changes nothing.</li>
 * </ul>
 */
package dev.sendq.core;
