//! The supervision tree as the explorer draws it: [`TreeNode`]s built from
//! the control layer's supervision tree, the live processes' summaries and
//! the supervisors' restart logs.

use super::{NodeStatus, ProcStatus, Sim};
use crate::control::{self, supervisors, ListOpts, ProcessSummary};
use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;

/// One node of the supervision tree as the explorer draws it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreeNode {
    /// The child id (or the registered name of the root).
    pub id: String,
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub supervisor: bool,
    pub status: NodeStatus,
    pub strategy: Option<String>,
    /// Restarts of this child recorded by its supervisor.
    pub restarts: u64,
    /// For a supervisor: all restarts it made.
    pub total_restarts: u64,
    pub paused: bool,
    pub queue_len: usize,
    pub memory_words: usize,
    /// The supervising parent and this node's child id there.
    pub parent: Option<Pid>,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// The number of nodes in this subtree, itself included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(TreeNode::count).sum::<usize>()
    }

    /// Finds the node of a pid in this subtree.
    pub fn find(&self, pid: Pid) -> Option<&TreeNode> {
        if self.pid == Some(pid) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(pid))
    }

    /// Finds a node by child id or registered name.
    pub fn find_id(&self, id: &str) -> Option<&TreeNode> {
        if self.id == id || self.name.as_deref() == Some(id) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_id(id))
    }
}

/// The live processes' summaries by pid, read once per tree.
type Procs = VecMap<Pid, ProcessSummary>;

impl Sim {
    /// The supervision tree from the root supervisor.
    pub fn tree(&self) -> Option<TreeNode> {
        let root = self.sys.root()?;
        let t = supervisors::get_supervision_tree(&self.sys, root).ok()?;
        let procs = self.live_processes();
        let root_id = self.sys.scenario().tree.id.clone();
        Some(self.node(&t, root_id, None, 0, &procs))
    }

    fn live_processes(&self) -> Procs {
        let mut procs = Procs::default();
        procs.extend(
            control::list_all_processes(&self.sys, &ListOpts::default()).processes.into_iter().map(|p| (p.pid, p)),
        );
        procs
    }

    /// How many restarts a supervisor's log holds for each of its
    /// children, given the child id of each entry.
    fn restarts_per_child<'a>(log: impl Iterator<Item = &'a str>) -> VecMap<&'a str, u64> {
        let mut per_child: VecMap<&str, u64> = VecMap::default();
        for child in log {
            *per_child.get_or_insert_with(child, || 0) += 1;
        }
        per_child
    }

    /// One node and its subtree; `restarts` is what its parent's log holds
    /// for it.
    fn node(
        &self,
        n: &supervisors::SupTreeNode,
        id: String,
        parent: Option<Pid>,
        restarts: u64,
        procs: &Procs,
    ) -> TreeNode {
        let live = n.pid.and_then(|p| procs.get(&p));
        // A status the control layer does not name cannot happen; a live
        // process shows as running then, as before the enum.
        let live_status = live.map(|p| ProcStatus::of_name(p.status).unwrap_or(ProcStatus::Running));
        let snap = n.pid.filter(|_| n.supervisor).and_then(|p| self.sys.snapshot(p));
        let per_child =
            snap.as_ref().map(|s| Self::restarts_per_child(s.log.iter().map(|r| r.child.as_str()))).unwrap_or_default();
        let children = n
            .children
            .iter()
            .map(|c| {
                let r = per_child.get(c.id.as_str()).copied().unwrap_or(0);
                self.node(c, c.id.clone(), n.pid, r, procs)
            })
            .collect();
        TreeNode {
            id,
            pid: n.pid,
            name: n.name.clone(),
            supervisor: n.supervisor,
            status: NodeStatus::of(n.state, live_status),
            strategy: n.strategy.map(|s| s.name().to_string()),
            restarts,
            total_restarts: snap.as_ref().map(|s| s.total_restarts).unwrap_or(0),
            paused: snap.as_ref().is_some_and(|s| s.paused),
            queue_len: live.map(|p| p.message_queue_len).unwrap_or(0),
            memory_words: live.map(|p| p.memory_words).unwrap_or(0),
            parent,
            children,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    #[ignore]
    fn build_time() {
        for name in ["demo", "large"] {
            let t = std::time::Instant::now();
            let mut sim = super::Sim::new(name, 42).unwrap();
            let built = t.elapsed();
            let t = std::time::Instant::now();
            let tree = sim.tree();
            let tree_t = t.elapsed();
            let root = sim.sys.root().unwrap();
            let t = std::time::Instant::now();
            let _ = super::supervisors::get_supervision_tree(&sim.sys, root);
            eprintln!("  get_supervision_tree {:?}", t.elapsed());
            let t = std::time::Instant::now();
            let _ = super::control::list_all_processes(&sim.sys, &super::ListOpts::default());
            eprintln!("  list_all_processes {:?}", t.elapsed());
            let t = std::time::Instant::now();
            let _ = sim.sys.tree();
            eprintln!("  sys.tree {:?}", t.elapsed());
            let t = std::time::Instant::now();
            sim.advance(16);
            eprintln!(
                "{name}: build {built:?}, tree {tree_t:?} ({} nodes), advance 16ms {:?}",
                tree.map(|t| t.count()).unwrap_or(0),
                t.elapsed()
            );
        }
    }
}
