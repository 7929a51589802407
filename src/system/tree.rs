//! The supervision tree as the tools see it: supervisor snapshots, the tree
//! from the root down with a path for every node (cached until a process
//! starts or exits), and the resolution of pids, names and paths.

use super::{ControlError, System};
use crate::otp::supervisor::{self, Strategy, Supervisor, SupervisorSnapshot};
use crate::runtime::Kernel;
use crate::scenario::NodeKind;
use crate::term::Pid;
use serde::Serialize;

/// A process's place in the tree.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TreeEntry {
    pub path: String,
    pub id: String,
    pub pid: Option<Pid>,
    pub supervisor: bool,
    pub parent: Option<Pid>,
    pub depth: usize,
}

/// The tree, cached under the (spawned, exited) counters it was built at.
pub(super) type TreeCache = ((u64, u64), Vec<TreeEntry>);

impl System {
    /// A supervisor's snapshot: fresh when it is idle, the last one seen
    /// when it is busy in a callback (a restart, a call).
    pub fn snapshot(&self, sup: Pid) -> Option<SupervisorSnapshot> {
        if !self.rt.is_alive(sup) {
            self.snapshots.borrow_mut().remove(&sup);
            return None;
        }
        let fresh = read_snapshot(&self.rt.kernel_ref(), sup);
        match fresh {
            Some(s) => {
                self.snapshots.borrow_mut().insert(sup, s.clone());
                Some(s)
            }
            None => self.snapshots.borrow().get(&sup).cloned(),
        }
    }

    pub fn is_supervisor(&self, pid: Pid) -> bool {
        self.rt.with_proc(pid, |p| p.extra().is_some_and(|e| e.supervisor)).unwrap_or(false)
    }

    /// The tree from the root down, in start order: every supervisor and
    /// worker with its path (`root/sup/worker`; a dynamic child is
    /// `sup/#N` with N its pid number).
    pub fn tree(&self) -> Vec<TreeEntry> {
        let c = self.rt.counters();
        let key = (c.spawned, c.exited);
        if let Some((k, t)) = &*self.tree_cache.borrow() {
            if *k == key {
                return t.clone();
            }
        }
        let mut out = Vec::new();
        if let Some(root) = self.root() {
            let id = self.scenario.tree.id.clone();
            let sup = self.scenario.tree.kind == NodeKind::Supervisor;
            out.push(TreeEntry { path: id.clone(), id, pid: Some(root), supervisor: sup, parent: None, depth: 0 });
            if sup {
                self.walk(root, &self.scenario.tree.id, 1, &mut out);
            }
        }
        *self.tree_cache.borrow_mut() = Some((key, out.clone()));
        out
    }

    pub(super) fn walk(&self, sup: Pid, path: &str, depth: usize, out: &mut Vec<TreeEntry>) {
        if depth > 64 {
            return;
        }
        let Some(snap) = self.snapshot(sup) else {
            return;
        };
        for ch in snap.children {
            let sup_child = ch.child_type == supervisor::ChildType::Supervisor;
            let id = if snap.flags.strategy == Strategy::SimpleOneForOne {
                format!("#{}", ch.pid.map(|p| p.0).unwrap_or(0))
            } else {
                ch.id.clone()
            };
            let p = format!("{path}/{id}");
            out.push(TreeEntry { path: p.clone(), id, pid: ch.pid, supervisor: sup_child, parent: Some(sup), depth });
            if sup_child {
                if let Some(pid) = ch.pid {
                    self.walk(pid, &p, depth + 1, out);
                }
            }
        }
    }

    /// The pid at a tree path.
    pub fn path_pid(&self, path: &str) -> Option<Pid> {
        self.tree().into_iter().find(|e| e.path == path).and_then(|e| e.pid)
    }

    /// The tree path of a pid.
    pub fn pid_path(&self, pid: Pid) -> Option<String> {
        self.tree().into_iter().find(|e| e.pid == Some(pid)).map(|e| e.path)
    }

    /// Resolves `0.42.0`, `#PID<0.42.0>`, a registered name, a tree path
    /// or a unique tree id to a live pid.
    pub fn resolve(&self, s: &str) -> Result<Pid, ControlError> {
        let s = s.trim();
        if let Some(p) = Pid::parse_short(s) {
            return if self.rt.is_alive(p) { Ok(p) } else { Err(ControlError::NoProc { pid: p.short() }) };
        }
        if s.is_empty() {
            return Err(ControlError::NoProc { pid: s.to_string() });
        }
        let name = s.strip_prefix(':').unwrap_or(s);
        if let Some(p) = self.rt.whereis(name) {
            return Ok(p);
        }
        let tree = self.tree();
        if let Some(e) = tree.iter().find(|e| e.path == s) {
            return e.pid.ok_or(ControlError::NoProc { pid: s.to_string() });
        }
        let same: Vec<&TreeEntry> = tree.iter().filter(|e| e.id == s).collect();
        match same.as_slice() {
            [one] => one.pid.ok_or(ControlError::NoProc { pid: s.to_string() }),
            [] => Err(ControlError::NoProc { pid: s.to_string() }),
            _ => Err(ControlError::BadRequest {
                message: format!("{s:?} names {} nodes of the tree: use its path", same.len()),
            }),
        }
    }
}

/// Reads a supervisor's snapshot when it is not busy.
pub fn read_snapshot(k: &Kernel, sup: Pid) -> Option<SupervisorSnapshot> {
    let i = k.introspect.get(&sup)?.clone();
    let mut out = None;
    i.with_any(&mut |a| {
        if let Some(s) = a.downcast_ref::<Supervisor>() {
            out = Some(s.snapshot());
        }
    });
    out
}

/// Resolves a tree path from inside a process (for the scenario's steps).
pub(super) fn resolve_in(k: &Kernel, root: Pid, root_id: &str, path: &str) -> Option<Pid> {
    let mut parts = path.split('/');
    if parts.next()? != root_id {
        return None;
    }
    let mut cur = root;
    for seg in parts {
        let snap = read_snapshot(k, cur)?;
        let next = if let Some(n) = seg.strip_prefix('#') {
            let n: u32 = n.parse().ok()?;
            snap.children.iter().find(|c| c.pid == Some(Pid(n)))?.pid?
        } else {
            snap.children.iter().find(|c| c.id == seg)?.pid?
        };
        cur = next;
    }
    k.is_alive(cur).then_some(cur)
}
