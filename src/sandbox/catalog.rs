//! The catalog of sandbox worker kinds: for each kind, what it is, its
//! parameters with their defaults, and example requests in Elixir syntax,
//! so that the API and the UI can offer them (a test keeps it in step with
//! what the workers accept).

use serde::Serialize;

/// One worker kind, described.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct KindInfo {
    pub kind: &'static str,
    pub module: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamInfo],
    pub requests: &'static [RequestInfo],
}

/// One parameter of a kind.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamInfo {
    pub name: &'static str,
    /// The default, as JSON text (`"none"` when there is none).
    pub default: &'static str,
    pub doc: &'static str,
}

/// One request a kind understands.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RequestInfo {
    /// An example in Elixir term syntax.
    pub example: &'static str,
    /// `"call"` when only a call makes sense (it answers), `"any"` when a
    /// call, a cast or a plain message all work.
    pub how: &'static str,
    pub doc: &'static str,
}

const fn p(name: &'static str, default: &'static str, doc: &'static str) -> ParamInfo {
    ParamInfo { name, default, doc }
}

const fn r(example: &'static str, how: &'static str, doc: &'static str) -> RequestInfo {
    RequestInfo { example, how, doc }
}

const STATEFUL: KindInfo = KindInfo {
    kind: "stateful",
    module: "Elixir.Sandbox.StatefulWorker",
    summary: "A counter with history and rollback, snapshots, persistence across restarts, memory growth patterns and selective crash modes.",
    params: &[
        p("initial", "0", "The initial value (an integer, or Elixir term text)."),
        p("history", "100", "How many versions the history keeps (1 to 10000)."),
        p("persist", "\"never\"", "When to save to storage: never, on_change, or manual (on :persist). A restarted worker restores what was saved."),
        p("storage_key", "the registered name", "The key the worker saves under."),
        p("memory", "\"steady\"", "The memory pattern: steady, leak (grows to memory_limit) or sawtooth (grows, then drops)."),
        p("memory_tick_ms", "0", "Grow on a timer every this many ms; 0 grows once per request."),
        p("memory_step", "10", "Payload items added per step (steady: the constant size)."),
        p("memory_limit", "2000", "The most payload items (leak's cap, sawtooth's peak)."),
        p("crash_on_value", "none", "Crash when the value becomes this."),
        p("crash_every", "0", "Crash on every Nth request (0: never)."),
        p("crash_on_message", "none", "Crash on a request matching this pattern (:_ matches anything), as \"{:poison, :_}\"."),
        p("crash_reason", "\":simulated_crash\"", "The exit reason of the crash modes."),
        p("work_ms", "0", "Virtual time each request takes."),
    ],
    requests: &[
        r("{:inc, 1}", "any", "Adds to the value; a call answers {:ok, value}."),
        r("{:dec, 1}", "any", "Subtracts from the value."),
        r("{:set, 42}", "any", "Sets the value."),
        r(":get", "call", "The value."),
        r(":history", "call", "The versions kept, oldest first, with their virtual times."),
        r("{:rollback, 1}", "any", "Restores version N (as a new version)."),
        r("{:snapshot, :before}", "any", "Saves the value under a name."),
        r("{:restore, :before}", "any", "Restores a named snapshot."),
        r(":snapshots", "call", "The snapshot names."),
        r(":persist", "any", "Saves to storage now."),
        r(":reset", "any", "Back to the initial value, payload dropped."),
        r(":gc", "any", "Drops the memory payload."),
        r("{:crash_on_value, 10}", "any", "Sets the value that crashes (nil: none)."),
        r("{:crash_every, 5}", "any", "Crash on every Nth request (0: never)."),
        r("{:crash_on_message, {:poison, :_}}", "any", "Crash on requests matching a pattern (nil: none)."),
        r("{:crash_reason, :boom}", "any", "Sets the crash modes' exit reason."),
        r("{:crash, :boom}", "any", "Crashes now with this reason."),
        r(":state", "call", "The whole state."),
    ],
};

const RESOURCE: KindInfo = KindInfo {
    kind: "resource",
    module: "Elixir.Sandbox.ResourceWorker",
    summary: "A connection pool: checkout/checkin, bounded waiting with virtual-time timeouts, monitored borrowers, leaks, backpressure.",
    params: &[
        p("size", "5", "How many resources (1 to 1000)."),
        p("max_waiting", "10", "How many callers may wait; beyond it a checkout answers {:error, :overloaded}."),
        p("leak_every", "0", "Every Nth checkout leaks its resource (0: never)."),
        p("default_timeout_ms", "5000", "The wait of a bare :checkout."),
    ],
    requests: &[
        r("{:checkout, 1000}", "call", "A resource, {:ok, res}; waits up to the timeout, then {:error, :timeout}."),
        r("{:checkin, :conn_1}", "any", "Returns a resource."),
        r("{:work, :query}", "any", "Uses a resource at once and returns it; {:error, :exhausted} if none is free."),
        r(":repair", "any", "Puts leaked resources back."),
        r(":stats", "call", "Counters: checkouts, timeouts, overloaded, reclaimed, leaked, …"),
        r("{:crash, :boom}", "any", "Crashes now with this reason."),
        r(":state", "call", "The whole state."),
    ],
};

const EVENT: KindInfo = KindInfo {
    kind: "event",
    module: "Elixir.Sandbox.EventWorker",
    summary: "A pub/sub hub: topic routing with prefix wildcards, priority events, a bounded queue drained at a rate, overflow policies, dead letters.",
    params: &[
        p("queue_size", "100", "The most queued events."),
        p("overflow", "\"drop_oldest\"", "When full: drop_oldest, drop_newest, or block ({:error, :full})."),
        p("drain_rate", "10", "Events delivered per tick."),
        p("tick_ms", "50", "The drain interval in virtual ms."),
        p("dead_letter_size", "50", "The most dead letters kept."),
        p("subscriptions", "{}", "Static subscriptions by registered name: {\"orders.*\": [\"name\"]}."),
        p("work_topic", "\"work\"", "The topic {:work, payload} publishes to."),
    ],
    requests: &[
        r("{:subscribe, \"orders.*\"}", "call", "Subscribes the caller (monitored; removed when it dies)."),
        r("{:unsubscribe, \"orders.*\"}", "call", "Unsubscribes the caller."),
        r("{:publish, \"orders.created\", {:inc, 1}}", "any", "Queues an event; subscribers get {:event, topic, payload}."),
        r("{:publish_priority, \"orders.urgent\", {:inc, 10}}", "any", "Queues an event ahead of normal ones."),
        r(":dead_letters", "call", "Events nobody could take, with the reason."),
        r(":clear_dead_letters", "any", "Empties the dead letters."),
        r(":subscriptions", "call", "Subscribers by topic."),
        r(":stats", "call", "Counters: published, delivered, dropped, refused, dead-lettered."),
        r("{:crash, :boom}", "any", "Crashes now with this reason."),
        r(":state", "call", "The whole state."),
    ],
};

const CASCADE: KindInfo = KindInfo {
    kind: "cascade",
    module: "Elixir.Sandbox.CascadeWorker",
    summary: "Calls named dependencies on {:work, x} through circuit breakers, linked or monitored, recovering by retry with backoff, fallback or fail-fast.",
    params: &[
        p("deps", "[]", "Registered names of the dependencies, called in order with {:work, x}."),
        p("mode", "\"monitor\"", "link (their crashes crash this worker, and its crash them), monitor (their DOWN opens the breaker) or none."),
        p("call_timeout_ms", "1000", "The timeout of each dependency call."),
        p("breaker_threshold", "3", "Consecutive failures that open a breaker."),
        p("breaker_reset_ms", "5000", "How long a breaker stays open before half-opening."),
        p("recovery", "\"fail_fast\"", "On a failed call: fail_fast, retry, or fallback."),
        p("retries", "3", "Retries (retry recovery)."),
        p("backoff_ms", "100", "The first retry's wait; each next one doubles."),
        p("max_backoff_ms", "5000", "The longest wait between retries."),
        p("fallback", "\":fallback\"", "The value used for a failed dependency (fallback recovery)."),
        p("work_ms", "0", "Virtual time of the worker's own part of the work."),
        p("fail_rate", "0", "Percent of requests failing on their own (seeded random)."),
    ],
    requests: &[
        r("{:work, {:inc, 1}}", "call", "Calls every dependency with {:work, x}: {:ok, [answers]} or {:error, {:dep_failed, name, reason}}."),
        r(":status", "call", "Each dependency's breaker, calls and failures."),
        r("{:reset_breaker, :db}", "any", "Closes a dependency's breaker."),
        r(":stats", "call", "Counters: requests, failed, retries, fallbacks, short-circuited."),
        r("{:crash, :boom}", "any", "Crashes now with this reason."),
        r(":state", "call", "The whole state."),
    ],
};

const LOAD: KindInfo = KindInfo {
    kind: "load",
    module: "Elixir.Sandbox.LoadGenerator",
    summary: "Sends messages to a named target at a rate in virtual time, in turn or at random, with optional bursts.",
    params: &[
        p("target", "none (required)", "The registered name to send to."),
        p("interval_ms", "100", "Virtual ms between ticks."),
        p("messages", "[\":inc\"]", "The messages, as Elixir term text."),
        p("random", "false", "Choose at random (the runtime's seeded generator) instead of in turn."),
        p("mode", "\"cast\"", "send (a plain message), cast, or call (waits; errors are counted)."),
        p("call_timeout_ms", "1000", "The timeout of each call."),
        p("burst_every", "0", "Every Nth tick is a burst (0: never)."),
        p("burst_size", "10", "Messages in a burst."),
        p("max_messages", "0", "Stop after this many (0: never)."),
    ],
    requests: &[
        r(":pause", "any", "Stops sending."),
        r(":resume", "any", "Starts sending again."),
        r("{:interval, 50}", "any", "Changes the rate."),
        r("{:target, :db}", "any", "Changes the target."),
        r(":stats", "call", "Counters: sent, errors, missing target, bursts."),
        r("{:crash, :boom}", "any", "Crashes now with this reason."),
        r(":state", "call", "The whole state."),
    ],
};

const CATALOG: &[KindInfo] = &[STATEFUL, RESOURCE, EVENT, CASCADE, LOAD];

/// The description of a worker kind.
pub fn describe(kind: &str) -> Option<&'static KindInfo> {
    CATALOG.iter().find(|k| k.kind == kind)
}

/// Every worker kind, described, in the order of [`super::kinds`].
pub fn catalog() -> &'static [KindInfo] {
    CATALOG
}
