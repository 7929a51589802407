//! The metrics sampler: at every sample boundary, one system sample, the
//! per-process series kept for the processes worth watching, the blocked
//! call edges, and the flow buckets.

use super::flows::FLOW_BUCKETS;
use super::metrics::{self, ProcSample, Ring, SystemSample, MAX_PROCESS_SERIES};
use super::System;
use crate::term::Pid;

impl System {
    pub(super) fn sample(&mut self) {
        let c = self.rt.counters();
        let dt = self.sample_ms() as f64 / 1000.0;
        let mut memory: u64 = 0;
        let mut queued: Vec<(Pid, ProcSample)> = Vec::new();
        let at_ms = self.rt.now().as_ms_f64();
        // Series are kept for supervised workers (for supervisor resource
        // trends), the watched processes, and any process with a queue.
        // `extend`, not `collect`: collecting sorts first, another copy of the
        // sort in the wasm (see crate::util).
        let mut in_tree = std::collections::BTreeSet::new();
        in_tree.extend(self.supervised_workers());
        let watched = &self.metrics.watched;
        let tracked = &self.metrics.procs;
        let mut blocked: Vec<(Pid, Pid)> = Vec::new();
        self.rt.for_each_proc(|p| {
            let mem = crate::runtime::memory_words(p);
            memory += mem as u64;
            if blocked.len() < 10_000 {
                if let Some(callee) = blocked_callee(p) {
                    blocked.push((p.pid, callee));
                }
            }
            if !p.mailbox.is_empty()
                || watched.contains(&p.pid)
                || tracked.contains_key(&p.pid)
                || in_tree.contains(&p.pid)
            {
                queued.push((
                    p.pid,
                    ProcSample {
                        at_ms,
                        queue_len: p.mailbox.len(),
                        memory_words: mem,
                        reductions: p.reductions,
                        messages_in: p.msgs_in,
                        messages_out: p.msgs_out,
                    },
                ));
            }
        });
        let restarts = self.restarts_total - self.restarts_at_last_sample;
        self.restarts_at_last_sample = self.restarts_total;
        self.metrics.system.push(SystemSample {
            at_ms,
            processes: c.processes,
            memory_words: memory,
            messages_per_s: (c.messages - self.last_counters.messages) as f64 / dt,
            restarts_per_s: restarts as f64 / dt,
            reductions_per_s: (c.reductions - self.last_counters.reductions) as f64 / dt,
            run_queue: c.run_queue,
        });
        self.metrics.taken += 1;
        self.metrics.blocked.push(metrics::BlockedSample { at_ms, edges: blocked });
        self.last_counters = c;
        // Dead processes lose their series.
        let rt = &self.rt;
        self.metrics.procs.retain(|p, _| rt.is_alive(*p));
        for (pid, s) in queued {
            if !self.metrics.procs.contains_key(&pid) && self.metrics.procs.len() >= MAX_PROCESS_SERIES {
                continue;
            }
            self.metrics.procs.get_or_insert_with(pid, Ring::default).push(s);
        }
        // Flow buckets: one per interval for every edge seen recently.
        let bucket = std::mem::take(&mut self.flow_bucket);
        for (k, e) in self.flows.iter_mut() {
            let n = bucket.get(k).copied().unwrap_or(0);
            if e.buckets.len() >= FLOW_BUCKETS {
                e.buckets.pop_front();
            }
            e.buckets.push_back(n);
        }
    }

    /// Keeps a per-process series for `pid` whatever its queue.
    pub fn watch(&mut self, pid: Pid) {
        self.metrics.watched.insert(pid);
    }

    pub fn unwatch(&mut self, pid: Pid) {
        self.metrics.watched.remove(&pid);
    }
}

/// The process `p` is blocked calling, if it is: it waits in a
/// `gen_server` call (current function `gen:do_call/4`), and the call's
/// monitor is its newest one (the highest reference).
pub fn blocked_callee(p: &crate::runtime::Proc) -> Option<Pid> {
    let calling = p.extra().and_then(|e| e.current_function.as_deref()) == Some(crate::otp::gen_server::DO_CALL);
    if calling && p.status == crate::runtime::Status::Waiting {
        p.monitors.iter().max_by_key(|m| m.mref).map(|m| m.other)
    } else {
        None
    }
}
