//! Who is connected to whom: `build_relationship_graph` (links, monitors,
//! parent/child and observed message flows) and
//! `find_process_dependencies` (what one process calls, is called by,
//! links, monitors and is supervised by).

use crate::control::{path_map, ControlError};
use crate::system::System;
use crate::term::Pid;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A process in the relationship graph.
#[derive(Clone, Debug, Serialize)]
pub struct GraphNode {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub supervisor: bool,
}

/// An edge: `link` (undirected, listed once), `monitor` (watcher → target),
/// `parent` (parent → child) or `message` (sender → receiver, observed).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GraphEdge {
    pub from: Option<Pid>,
    pub to: Pid,
    pub kind: &'static str,
    pub count: Option<u64>,
    pub shapes: Option<BTreeMap<String, u64>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelationshipGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Whether message flows are being observed at all.
    pub observing_flows: bool,
}

/// `build_relationship_graph/0`: links, monitors, parent/child and the
/// message flows observed so far (with counts and message shapes), between
/// live processes (`from: null` is the outside world).
pub fn build_relationship_graph(sys: &System) -> RelationshipGraph {
    let paths = path_map(sys);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    sys.runtime().for_each_proc(|p| {
        nodes.push(GraphNode {
            pid: p.pid,
            name: p.name().map(|a| a.name().to_string()),
            path: paths.get(&p.pid).cloned(),
            supervisor: p.extra().is_some_and(|e| e.supervisor),
        });
        for l in &p.links {
            if p.pid < *l {
                edges.push(GraphEdge { from: Some(p.pid), to: *l, kind: "link", count: None, shapes: None });
            }
        }
        for m in &p.monitors {
            edges.push(GraphEdge { from: Some(p.pid), to: m.other, kind: "monitor", count: None, shapes: None });
        }
        if let Some(par) = p.parent() {
            edges.push(GraphEdge { from: Some(par), to: p.pid, kind: "parent", count: None, shapes: None });
        }
    });
    // `extend`, not `collect`: collecting sorts first, another copy of the sort
    // in the wasm (see crate::util).
    let mut live: BTreeSet<Pid> = BTreeSet::new();
    live.extend(nodes.iter().map(|n| n.pid));
    edges.retain(|e| e.from.is_none_or(|f| live.contains(&f)) && live.contains(&e.to));
    for ((from, to), e) in sys.flows() {
        if from.is_none_or(|f| live.contains(&f)) && live.contains(to) {
            edges.push(GraphEdge {
                from: *from,
                to: *to,
                kind: "message",
                count: Some(e.count),
                shapes: Some(e.shapes.clone()),
            });
        }
    }
    RelationshipGraph { nodes, edges, observing_flows: sys.observing_flows() }
}

/// What a process depends on.
#[derive(Clone, Debug, Serialize)]
pub struct Dependencies {
    pub pid: Pid,
    /// Processes it called (observed synchronous calls), with counts.
    pub calls: Vec<DependencyEdge>,
    /// Processes it sent other messages to.
    pub sends_to: Vec<DependencyEdge>,
    /// Processes that called it.
    pub called_by: Vec<DependencyEdge>,
    pub links: Vec<Pid>,
    /// Processes it monitors.
    pub monitors: Vec<Pid>,
    pub monitored_by: Vec<Pid>,
    pub parent: Option<Pid>,
    /// Its supervisor chain, nearest first.
    pub supervisors: Vec<Pid>,
    /// The process it is blocked calling right now, if any.
    pub blocked_on: Option<Pid>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DependencyEdge {
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub count: u64,
    pub shapes: BTreeMap<String, u64>,
}

/// The process `pid` is blocked calling (its current function is
/// `gen:do_call/4`; the call's monitor is its newest one).
pub fn blocked_on(sys: &System, pid: Pid) -> Option<Pid> {
    sys.runtime().with_proc(pid, crate::system::blocked_callee).flatten()
}

/// `find_process_dependencies/1`.
pub fn find_process_dependencies(sys: &System, pid: Pid) -> Result<Dependencies, ControlError> {
    let Some((links, monitors, monitored_by, parent)) = sys.runtime().with_proc(pid, |p| {
        (
            p.links.iter().copied().collect::<Vec<_>>(),
            p.monitors.iter().map(|m| m.other).collect::<Vec<_>>(),
            p.monitored_by.iter().map(|m| m.other).collect::<Vec<_>>(),
            p.parent(),
        )
    }) else {
        return Err(ControlError::NoProc { pid: pid.short() });
    };
    let name = |p: Option<Pid>| {
        p.and_then(|p| sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten())
    };
    let mut calls = Vec::new();
    let mut sends_to = Vec::new();
    let mut called_by = Vec::new();
    for ((from, to), e) in sys.flows() {
        let mut call_shapes: BTreeMap<String, u64> = BTreeMap::new();
        let mut other_shapes: BTreeMap<String, u64> = BTreeMap::new();
        for (k, v) in &e.shapes {
            if k.starts_with("call ") {
                call_shapes.insert(k.clone(), *v);
            } else if k != "reply" {
                other_shapes.insert(k.clone(), *v);
            }
        }
        if *from == Some(pid) {
            if e.calls > 0 {
                calls.push(DependencyEdge {
                    pid: Some(*to),
                    name: name(Some(*to)),
                    count: e.calls,
                    shapes: call_shapes,
                });
            }
            let others: u64 = other_shapes.values().sum();
            if others > 0 {
                sends_to.push(DependencyEdge {
                    pid: Some(*to),
                    name: name(Some(*to)),
                    count: others,
                    shapes: other_shapes,
                });
            }
        } else if *to == pid && e.calls > 0 {
            called_by.push(DependencyEdge { pid: *from, name: name(*from), count: e.calls, shapes: call_shapes });
        }
    }
    let mut supervisors = Vec::new();
    let mut cur = pid;
    let tree = sys.tree();
    while let Some(par) = tree.iter().find(|e| e.pid == Some(cur)).and_then(|e| e.parent) {
        supervisors.push(par);
        cur = par;
        if supervisors.len() > 64 {
            break;
        }
    }
    Ok(Dependencies {
        pid,
        calls,
        sends_to,
        called_by,
        links,
        monitors,
        monitored_by,
        parent,
        supervisors,
        blocked_on: blocked_on(sys, pid),
    })
}
