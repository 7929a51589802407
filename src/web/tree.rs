//! The Supervision Tree Explorer: the live tree as an SVG laid out tidily
//! (left to right, leaves on their own rows, each parent level with its
//! first child, so nodes never overlap), an ARIA tree, search, an overlay for
//! memory or queue length, zoom, drag-to-pan, large supervisors collapsed,
//! messages animated from node to node, bottlenecks highlighted, and the
//! actions on the selected node.

use crate::term::Pid;
use crate::web::model::{short_str, Action, NodeStatus, TreeNode};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

const COL: f64 = 196.0;
const ROW: f64 = 46.0;
const NODE_W: f64 = 164.0;
const NODE_H: f64 = 36.0;
const PAD: f64 = 12.0;
/// Supervisors with more children than this show the first ones and a
/// "+ N more" node until expanded.
const COLLAPSE_OVER: usize = 12;
const SHOWN_WHEN_COLLAPSED: usize = 8;

/// A message drawn travelling from its sender's node to its receiver's
/// (from the left edge when it came from outside the system). Messages of
/// processes hidden in a collapsed supervisor travel from or to its
/// "+ N more" node.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    /// The send event's sequence number: a dot keeps its element, and so
    /// its running animation, across renders.
    pub key: u64,
    pub from: Option<Pid>,
    pub to: Pid,
    /// When the animation starts, so that one refresh's messages leave in
    /// the order and rhythm they were sent.
    pub delay_ms: f64,
    /// The message of a flow being replayed (drawn larger, with its path).
    pub replay: bool,
}

#[derive(Properties, PartialEq)]
pub struct TreeProps {
    pub tree: Option<Rc<TreeNode>>,
    pub selected: Option<Pid>,
    pub on_select: Callback<Option<(String, Pid)>>,
    pub on_action: Callback<Action>,
    /// Messages in flight.
    pub dots: Rc<Vec<Dot>>,
    /// Processes found to be bottlenecks, highlighted.
    pub hot: Rc<Vec<Pid>>,
}

/// One laid-out item: a node or a "+ N more" placeholder.
struct Item<'a> {
    node: Option<&'a TreeNode>,
    more: Option<(Pid, usize)>,
    depth: usize,
    x: f64,
    y: f64,
    setsize: usize,
    posinset: usize,
}

struct Layout<'a> {
    items: Vec<Item<'a>>,
    edges: Vec<(f64, f64, f64, f64)>,
    rows: usize,
    depth: usize,
    /// Processes inside collapsed supervisors, with the index of the
    /// "+ N more" item that stands for them.
    hidden: Vec<(Pid, usize)>,
}

impl Layout<'_> {
    /// Where a message to or from `pid` starts or ends: just right of its
    /// node (or of the item that stands for it), in the gap between
    /// columns, so that dots travelling between siblings do not cross the
    /// nodes' text.
    fn anchor(&self, pid: Pid) -> Option<(f64, f64)> {
        let idx = self
            .items
            .iter()
            .position(|i| i.node.and_then(|n| n.pid) == Some(pid))
            .or_else(|| self.hidden.iter().find(|h| h.0 == pid).map(|h| h.1))?;
        self.items.get(idx).map(|i| (i.x + NODE_W + 9.0, i.y + NODE_H / 2.0))
    }
}

/// Notes every process under `n` as standing behind item `idx`.
fn hide(n: &TreeNode, idx: usize, l: &mut Layout) {
    if let Some(p) = n.pid {
        l.hidden.push((p, idx));
    }
    for c in &n.children {
        hide(c, idx, l);
    }
}

fn place<'a>(n: &'a TreeNode, depth: usize, pos: (usize, usize), expanded: &BTreeSet<Pid>, l: &mut Layout<'a>) -> f64 {
    let idx = l.items.len();
    l.items.push(Item {
        node: Some(n),
        more: None,
        depth,
        x: depth as f64 * COL,
        y: 0.0,
        setsize: pos.1,
        posinset: pos.0,
    });
    l.depth = l.depth.max(depth);
    let collapsed = n.children.len() > COLLAPSE_OVER && !n.pid.is_some_and(|p| expanded.contains(&p));
    let shown = if collapsed { SHOWN_WHEN_COLLAPSED } else { n.children.len() };
    let mut ys = Vec::new();
    let total = n.children.len();
    for (i, c) in n.children.iter().take(shown).enumerate() {
        ys.push(place(c, depth + 1, (i + 1, total), expanded, l));
    }
    if collapsed {
        let y = l.rows as f64 * ROW;
        l.rows += 1;
        let more_idx = l.items.len();
        for c in n.children.iter().skip(shown) {
            hide(c, more_idx, l);
        }
        l.items.push(Item {
            node: None,
            more: n.pid.map(|p| (p, total - shown)),
            depth: depth + 1,
            x: (depth + 1) as f64 * COL,
            y,
            setsize: total,
            posinset: shown + 1,
        });
        ys.push(y);
    }
    let y = if ys.is_empty() {
        let y = l.rows as f64 * ROW;
        l.rows += 1;
        y
    } else {
        // A parent sits level with its first child: the root stays at the
        // top left, where the explorer opens, however tall the tree is.
        ys[0]
    };
    l.items[idx].y = y;
    let x0 = depth as f64 * COL + NODE_W;
    for cy in ys {
        l.edges.push((x0, y + NODE_H / 2.0, (depth + 1) as f64 * COL, cy + NODE_H / 2.0));
    }
    y
}

/// The text of a node's accessible name: child id (or registered name),
/// then the pid, then what a sighted user reads off the node.
fn accessible_name(n: &NodeProps) -> String {
    let pid = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "undefined".into());
    let kind = match &n.strategy {
        Some(s) => format!("supervisor {s}"),
        None if n.supervisor => "supervisor".into(),
        None => "worker".into(),
    };
    let r = if n.restarts == 1 { "1 restart".to_string() } else { format!("{} restarts", n.restarts) };
    format!("{} {pid} {kind}, {}, {r}", n.id, n.status)
}

#[derive(Clone, Copy, PartialEq)]
enum Overlay {
    None,
    Memory,
    Queue,
}

#[function_component(TreeView)]
pub fn tree_view(p: &TreeProps) -> Html {
    let expanded = use_state(|| Rc::new(BTreeSet::<Pid>::new()));
    let on_expand = {
        let expanded = expanded.clone();
        use_callback((), move |sup: Pid, _| {
            let mut s = (**expanded).clone();
            s.insert(sup);
            expanded.set(Rc::new(s));
        })
    };
    let search = use_state(String::new);
    let zoom = use_state(|| 1.0f64);
    let overlay = use_state(|| Overlay::None);
    let svg_ref = use_node_ref();
    use_keep_focus(svg_ref.clone());
    let scroll_ref = use_node_ref();
    let pan = use_drag_to_pan(scroll_ref.clone());
    let reason = use_state(|| ":kill".to_string());
    let strategy = use_state(|| "one_for_one".to_string());

    let Some(tree) = p.tree.as_deref() else {
        return html! {
            <section class="panel tree-panel" aria-label="Supervision tree explorer">
                <h2>{"Supervision tree"}</h2>
                <p class="empty">{"No supervision tree: the root supervisor did not start."}</p>
            </section>
        };
    };

    let mut l = Layout { items: Vec::new(), edges: Vec::new(), rows: 0, depth: 0, hidden: Vec::new() };
    place(tree, 0, (1, 1), &expanded, &mut l);
    let width = (l.depth as f64) * COL + NODE_W + 2.0 * PAD;
    let height = (l.rows.max(1) as f64) * ROW + 2.0 * PAD - (ROW - NODE_H);
    let z = *zoom;

    let q = search.trim().to_ascii_lowercase();
    let order: Vec<(String, Pid)> =
        l.items.iter().filter_map(|i| i.node).filter_map(|n| n.pid.map(|p| (n.id.clone(), p))).collect();
    let onkeydown = keyboard_nav(order, p.selected, p.on_select.clone());

    let dots = message_dots(&l, &p.dots);

    let sel_node = p.selected.and_then(|pid| tree.find(pid));
    let actions = match sel_node {
        Some(n) => actions_for(n, tree, &p.on_action, &reason, &strategy),
        None => {
            html! { <p class="hint">{"Select a process in the tree to act on it (arrow keys move the selection)."}</p> }
        }
    };

    let zoom_in = {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set((*zoom * 1.25).min(3.0)))
    };
    let zoom_out = {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set((*zoom / 1.25).max(0.3)))
    };
    let zoom_reset = {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set(1.0))
    };
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| search.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_overlay = {
        let overlay = overlay.clone();
        Callback::from(move |e: Event| {
            overlay.set(match e.target_unchecked_into::<HtmlSelectElement>().value().as_str() {
                "memory" => Overlay::Memory,
                "queue" => Overlay::Queue,
                _ => Overlay::None,
            })
        })
    };
    let count = tree.count();

    html! {
        <section class="panel tree-panel" aria-label="Supervision tree explorer">
            <div class="panel-head">
                <h2>{"Supervision tree"}<span class="sub">{format!("{count} nodes")}</span></h2>
                <div class="tools">
                    <input type="search" placeholder="Search name or pid" aria-label="Search the tree" value={(*search).clone()} oninput={on_search} />
                    <select aria-label="Overlay" onchange={on_overlay}>
                        <option value="none" selected={*overlay == Overlay::None}>{"No overlay"}</option>
                        <option value="memory" selected={*overlay == Overlay::Memory}>{"Memory"}</option>
                        <option value="queue" selected={*overlay == Overlay::Queue}>{"Queue length"}</option>
                    </select>
                    <button class="ghost icon-btn" aria-label="Zoom out" onclick={zoom_out}>{"−"}</button>
                    <button class="ghost icon-btn" aria-label="Reset zoom" onclick={zoom_reset}>{format!("{:.0}%", z * 100.0)}</button>
                    <button class="ghost icon-btn" aria-label="Zoom in" onclick={zoom_in}>{"+"}</button>
                </div>
            </div>
            <div class="actions" role="toolbar" aria-label="Actions on the selected process">{actions}</div>
            <div ref={scroll_ref} class={classes!("tree-scroll", pan.panning.then_some("panning"))} onpointerdown={pan.down}
                onpointermove={pan.moved} onpointerup={pan.end.clone()} onpointercancel={pan.end}>
                <svg ref={svg_ref} class="tree" role="tree" aria-label="Supervision tree" {onkeydown}
                    width={format!("{:.0}", width * z)} height={format!("{:.0}", height * z)}
                    viewBox={format!("{} {} {width:.0} {height:.0}", -PAD, -PAD)}>
                    <TreeNodes tree={p.tree.clone()} expanded={(*expanded).clone()} selected={p.selected} hot={p.hot.clone()}
                        query={q} overlay={*overlay} on_select={p.on_select.clone()} {on_expand} />
                    <g class="msgs" aria-hidden="true">{dots}</g>
                </svg>
            </div>
            <div class="legend" aria-hidden="true">
                <span class="st st-running">{"running"}</span>
                <span class="st st-waiting">{"waiting"}</span>
                <span class="st st-suspended">{"suspended"}</span>
                <span class="st st-restarting">{"restarting"}</span>
                <span class="st st-undefined">{"not running"}</span>
            </div>
        </section>
    }
}

/// Keeps keyboard focus on the same tree item across re-renders.
#[hook]
fn use_keep_focus(svg_ref: NodeRef) {
    // Keyboard focus across re-renders: the reconciler may move a focused
    // item in the DOM, which blurs it. Note which item has focus before
    // this render is applied, and give it back after.
    let focused_pid: Option<String> = active_element_near(svg_ref.cast::<web_sys::Element>())
        .filter(|el| svg_ref.cast::<web_sys::Element>().is_some_and(|svg| svg.contains(Some(el))))
        .and_then(|el| el.get_attribute("data-pid"));
    use_effect(move || {
        if let (Some(pid), Some(svg)) = (focused_pid, svg_ref.cast::<web_sys::Element>()) {
            let active = active_element_near(Some(svg.clone()));
            if active.and_then(|a| a.get_attribute("data-pid")).as_deref() != Some(pid.as_str()) {
                if let Some(el) = svg
                    .query_selector(&format!("[data-pid='{pid}']"))
                    .ok()
                    .flatten()
                    .and_then(|el| el.dyn_into::<web_sys::SvgElement>().ok())
                {
                    let _ = el.focus();
                }
            }
        }
    });
}

/// The viewport's pointer handlers for drag-to-pan, and whether a drag is
/// panning now.
struct Pan {
    down: Callback<PointerEvent>,
    moved: Callback<PointerEvent>,
    end: Callback<PointerEvent>,
    panning: bool,
}

#[hook]
fn use_drag_to_pan(scroll_ref: NodeRef) -> Pan {
    // Drag-to-pan: a press on the viewport notes the pointer and the scroll
    // position; once the pointer has travelled a few pixels it is captured
    // and scrolls the viewport (a plain click still reaches the node under
    // it). Keyboard users reach every item by arrow keys, and focus scrolls
    // it into view.
    let drag = use_mut_ref(|| None::<(i32, i32, i32, i32)>);
    let panning = use_state(|| false);
    let on_pan_down = {
        let (scroll_ref, drag) = (scroll_ref.clone(), drag.clone());
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 || !e.is_primary() {
                return;
            }
            if let Some(el) = scroll_ref.cast::<web_sys::Element>() {
                *drag.borrow_mut() = Some((e.client_x(), e.client_y(), el.scroll_left(), el.scroll_top()));
            }
        })
    };
    let on_pan_move = {
        let (scroll_ref, drag, panning) = (scroll_ref.clone(), drag.clone(), panning.clone());
        Callback::from(move |e: PointerEvent| {
            let Some((x0, y0, left, top)) = *drag.borrow() else { return };
            let (dx, dy) = (e.client_x() - x0, e.client_y() - y0);
            if !*panning {
                if dx.abs() + dy.abs() < 5 {
                    return;
                }
                panning.set(true);
            }
            if let Some(el) = scroll_ref.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
                el.set_scroll_left(left - dx);
                el.set_scroll_top(top - dy);
            }
        })
    };
    let on_pan_end = {
        let (drag, panning) = (drag.clone(), panning.clone());
        Callback::from(move |_: PointerEvent| {
            drag.borrow_mut().take();
            if *panning {
                panning.set(false);
            }
        })
    };
    Pan { down: on_pan_down, moved: on_pan_move, end: on_pan_end, panning: *panning }
}

/// Arrow keys, Home and End move the selection through the items in
/// `order` (tree order), and keyboard focus follows it; Escape clears it.
fn keyboard_nav(
    order: Vec<(String, Pid)>,
    selected: Option<Pid>,
    on_select: Callback<Option<(String, Pid)>>,
) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        // The item the key was pressed on is the current one (the
        // selection this closure saw may be a render behind).
        let target: Option<web_sys::Element> = e.target_dyn_into();
        let from_target =
            target.as_ref().and_then(|t| t.get_attribute("data-pid")).and_then(|s| s.parse::<u32>().ok()).map(Pid);
        let current = from_target.or(selected);
        let cur = order.iter().position(|(_, pid)| Some(*pid) == current);
        let next = match e.key().as_str() {
            "ArrowDown" => Some(cur.map(|i| (i + 1).min(order.len().saturating_sub(1))).unwrap_or(0)),
            "ArrowUp" => Some(cur.map(|i| i.saturating_sub(1)).unwrap_or(0)),
            "Home" => Some(0),
            "End" => Some(order.len().saturating_sub(1)),
            "Escape" => {
                on_select.emit(None);
                None
            }
            _ => return,
        };
        e.prevent_default();
        if let Some(sel) = next.and_then(|i| order.get(i)) {
            on_select.emit(Some(sel.clone()));
            // Keyboard focus follows the selection.
            let found = target
                .and_then(|t| t.closest("svg").ok().flatten())
                .and_then(|svg| svg.query_selector(&format!("[data-pid='{}']", sel.1 .0)).ok().flatten());
            if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::SvgElement>().ok()) {
                let _ = el.focus();
            }
        }
    })
}

/// The messages in flight, as SVG.
fn message_dots(l: &Layout, dots: &[Dot]) -> Html {
    // Messages in flight: each dot starts on its sender's node and a CSS
    // animation carries it to the receiver's, so no frame has to move it.
    let root_anchor = l.items.first().map(|i| (i.x - PAD + 2.0, i.y + NODE_H / 2.0));
    let dots = dots.iter().filter_map(|d| {
        let (x1, y1) = match d.from {
            Some(f) => l.anchor(f)?,
            None => root_anchor?,
        };
        let (x2, y2) = l.anchor(d.to)?;
        let (dx, dy) = (x2 - x1, y2 - y1);
        if dx.abs() + dy.abs() < 1.0 {
            // A message to itself (a timer, say), or between two processes
            // behind the same "+ N more": the replayed one pulses where it
            // is; a live one is not worth a dot.
            return d.replay.then(|| html! {
                <circle key={format!("r{}", d.key)} class="msg-dot replay self" cx={format!("{x1:.0}")} cy={format!("{y1:.0}")} r="6" />
            });
        }
        let style = format!("--dx:{dx:.0}px;--dy:{dy:.0}px;animation-delay:{:.0}ms", d.delay_ms);
        Some(if d.replay {
            html! {
                <g key={format!("r{}", d.key)} class="replay">
                    <path class="replay-path" d={format!("M{x1:.0},{y1:.0} L{x2:.0},{y2:.0}")} />
                    <circle class="msg-dot replay" cx={format!("{x1:.0}")} cy={format!("{y1:.0}")} r="6" {style} />
                </g>
            }
        } else {
            html! { <circle key={format!("m{}", d.key)} class="msg-dot" cx={format!("{x1:.0}")} cy={format!("{y1:.0}")} r="3.5" {style} /> }
        })
    });
    dots.collect()
}

#[derive(Properties, PartialEq)]
struct NodesProps {
    tree: Option<Rc<TreeNode>>,
    expanded: Rc<BTreeSet<Pid>>,
    selected: Option<Pid>,
    hot: Rc<Vec<Pid>>,
    /// The search, lower-cased.
    query: String,
    overlay: Overlay,
    on_select: Callback<Option<(String, Pid)>>,
    on_expand: Callback<Pid>,
}

/// The edges and nodes of the tree: a component of their own, so that
/// what changes more often than the tree (the messages in flight, the
/// actions' inputs) re-renders without them. Its props are all values or
/// callbacks that stay the same between renders.
#[function_component(TreeNodes)]
fn tree_nodes(p: &NodesProps) -> Html {
    let Some(tree) = p.tree.as_deref() else { return html! {} };
    let mut l = Layout { items: Vec::new(), edges: Vec::new(), rows: 0, depth: 0, hidden: Vec::new() };
    place(tree, 0, (1, 1), &p.expanded, &mut l);
    let q = p.query.as_str();
    let matches = |n: &TreeNode| {
        !q.is_empty()
            && (n.id.to_ascii_lowercase().contains(q)
                || n.name.as_deref().is_some_and(|s| s.to_ascii_lowercase().contains(q))
                || n.pid.is_some_and(|pid| pid.to_string().contains(q) || pid.short() == q))
    };
    let max_mem = l.items.iter().filter_map(|i| i.node).map(|n| n.memory_words).max().unwrap_or(1).max(1);
    let max_q = l.items.iter().filter_map(|i| i.node).map(|n| n.queue_len).max().unwrap_or(1).max(1);

    let edges = l.edges.iter().map(|(x1, y1, x2, y2)| {
        let mx = (x1 + x2) / 2.0;
        html! { <path class="edge" d={format!("M{x1:.1},{y1:.1} C{mx:.1},{y1:.1} {mx:.1},{y2:.1} {x2:.1},{y2:.1}")} /> }
    });

    // The items go into the DOM in pid order, not tree order: new pids are
    // always larger, so a child that comes or goes (a restart, a dynamic
    // child) never makes the reconciler move other items, which would take
    // keyboard focus away from them. Structure is in aria-level/posinset.
    let mut dom_order: Vec<&Item> = l.items.iter().collect();
    crate::util::sort_by_key(&mut dom_order, |it| match (it.node.and_then(|n| n.pid), it.more) {
        (Some(p), _) => (0u8, p.0),
        (None, Some((sup, _))) => (2, sup.0),
        (None, None) => (1, 0),
    });
    let nodes = dom_order.into_iter().map(|it| {
        let tf = format!("translate({:.1},{:.1})", it.x, it.y);
        let level = (it.depth + 1).to_string();
        if let Some((sup, more)) = it.more {
            let on_expand = p.on_expand.clone();
            let expand_key = Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    on_expand.emit(sup);
                }
            });
            let expand = p.on_expand.reform(move |_: MouseEvent| sup);
            let label = format!("+ {more} more");
            return html! {
                <g key={format!("more-{}", sup.0)} class="node more" role="treeitem" aria-level={level} aria-label={label.clone()} tabindex="0"
                    aria-setsize={it.setsize.to_string()} aria-posinset={it.posinset.to_string()}
                    transform={tf} onmousedown={expand.clone()} onkeydown={expand_key}>
                    <rect width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8" />
                    <text x="14" y="23" class="id">{label}</text>
                </g>
            };
        }
        let Some(n) = it.node else { return html! {} };
        let overlay_w = match p.overlay {
            Overlay::None => 0.0,
            Overlay::Memory => NODE_W * n.memory_words as f64 / max_mem as f64,
            Overlay::Queue => NODE_W * n.queue_len as f64 / max_q as f64,
        };
        html! {
            <NodeItem key={node_key(n)} id={n.id.clone()} pid={n.pid} supervisor={n.supervisor} status={n.status}
                strategy={n.strategy.clone()} restarts={n.restarts} total_restarts={n.total_restarts} paused={n.paused}
                has_children={!n.children.is_empty()} x={it.x} y={it.y} level={it.depth + 1} setsize={it.setsize}
                posinset={it.posinset} selected={n.pid.is_some() && n.pid == p.selected}
                hot={n.pid.is_some_and(|pid| p.hot.contains(&pid))} matched={matches(n)} dimmed={!q.is_empty() && !matches(n)}
                {overlay_w} on_select={p.on_select.clone()} />
        }
    });
    html! {
        <>
            <g class="edges" aria-hidden="true">{ for edges }</g>
            { for nodes }
        </>
    }
}

/// One node of the tree, as plain values: a component of its own, so that
/// when the tree's snapshot changes only the nodes whose values changed are
/// rendered again (on a large system most do not change between two looks).
#[derive(Properties, PartialEq)]
struct NodeProps {
    id: String,
    pid: Option<Pid>,
    supervisor: bool,
    status: NodeStatus,
    strategy: Option<String>,
    restarts: u64,
    total_restarts: u64,
    paused: bool,
    has_children: bool,
    x: f64,
    y: f64,
    level: usize,
    setsize: usize,
    posinset: usize,
    selected: bool,
    hot: bool,
    matched: bool,
    dimmed: bool,
    overlay_w: f64,
    on_select: Callback<Option<(String, Pid)>>,
}

#[function_component(NodeItem)]
fn node_item(n: &NodeProps) -> Html {
    let sel = n.pid.map(|pid| (n.id.clone(), pid));
    // Selection on mouse down, not click: a click needs the press and
    // the release on the same element, and a re-render between them
    // (the tree refreshes ten times a second) may move the element in
    // the DOM, which loses the click.
    let onpress = {
        let on_select = n.on_select.clone();
        let sel = sel.clone();
        Callback::from(move |_: MouseEvent| on_select.emit(sel.clone()))
    };
    let onkey = {
        let on_select = n.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(sel.clone());
            }
        })
    };
    let pid_text = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "undefined".into());
    let class = classes!(
        "node",
        if n.supervisor { "sup" } else { "worker" },
        format!("st-{}", n.status),
        n.selected.then_some("selected"),
        n.hot.then_some("hot"),
        n.matched.then_some("match"),
        n.dimmed.then_some("dim"),
    );
    let name = accessible_name(n);
    html! {
        <g data-pid={n.pid.map(|p| p.0.to_string())} class={class} role="treeitem" aria-level={n.level.to_string()} aria-selected={n.selected.to_string()}
            aria-expanded={n.has_children.then_some("true")}
            aria-setsize={n.setsize.to_string()} aria-posinset={n.posinset.to_string()}
            aria-label={name.clone()} tabindex="0" transform={format!("translate({:.1},{:.1})", n.x, n.y)} onmousedown={onpress} onkeydown={onkey}>
            <title>{name}</title>
            <rect class="box" width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8" />
            if n.overlay_w > 0.0 {
                <rect class="overlay" x="0" y={(NODE_H - 4.0).to_string()} width={format!("{:.1}", n.overlay_w)} height="4" rx="2" />
            }
            <circle class="dot" cx="12" cy="12" r="4.5" />
            <text x="22" y="16" class="id">{short_str(&n.id, 15)}</text>
            <text x="22" y="29" class="pid">{pid_text}</text>
            if let Some(s) = &n.strategy {
                <g class="badge strategy" transform={format!("translate({},{})", NODE_W - 44.0, 6)}>
                    <rect width="38" height="14" rx="7" />
                    <text x="19" y="10.5">{strategy_abbrev(s)}</text>
                </g>
            }
            if n.restarts > 0 || n.total_restarts > 0 {
                <g class="badge restarts" transform={format!("translate({},{})", NODE_W - 44.0, 20)}>
                    <rect width="38" height="13" rx="6.5" />
                    <text x="19" y="10">{format!("↻{}", if n.supervisor { n.total_restarts } else { n.restarts })}</text>
                </g>
            }
            if n.paused {
                <text x={(NODE_W - 56.0).to_string()} y="16" class="paused">{"⏸"}</text>
            }
        </g>
    }
}

/// A stable key for a node, so that Yew moves a node's element when nodes
/// before it come and go (dynamic children) instead of reusing it for
/// another node under the pointer.
fn node_key(n: &TreeNode) -> String {
    match n.pid {
        Some(p) => format!("p{}", p.0),
        None => format!("u{}/{}", n.parent.map(|p| p.0).unwrap_or(0), n.id),
    }
}

fn strategy_abbrev(s: &str) -> &'static str {
    match s {
        "one_for_one" => "1:1",
        "one_for_all" => "1:all",
        "rest_for_one" => "rest",
        "simple_one_for_one" => "simple",
        _ => "?",
    }
}

fn parent_of<'a>(tree: &'a TreeNode, n: &TreeNode) -> Option<&'a TreeNode> {
    n.parent.and_then(|p| tree.find(p))
}

fn actions_for(
    n: &TreeNode,
    tree: &TreeNode,
    on_action: &Callback<Action>,
    reason: &UseStateHandle<String>,
    strategy: &UseStateHandle<String>,
) -> Html {
    let Some(pid) = n.pid else {
        return html! { <p class="hint">{"This child is not running."}</p> };
    };
    let emit = |a: Action| {
        let on_action = on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(a.clone()))
    };
    let kill = {
        let on_action = on_action.clone();
        let reason = reason.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::Kill { pid, reason: (*reason).clone() }))
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| reason.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let suspended = n.status == NodeStatus::Suspended;
    let parent = parent_of(tree, n);
    let sup_actions = n.supervisor.then(|| {
        let on_strategy = {
            let strategy = strategy.clone();
            Callback::from(move |e: Event| strategy.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let change = {
            let on_action = on_action.clone();
            let strategy = strategy.clone();
            Callback::from(move |_: MouseEvent| {
                on_action.emit(Action::SetStrategy { sup: pid, strategy: (*strategy).clone() })
            })
        };
        html! {
            <>
                <span class="sep" />
                <select aria-label="New strategy" onchange={on_strategy}>
                    { for ["one_for_one", "one_for_all", "rest_for_one"].iter().map(|s| html! {
                        <option value={*s} selected={**strategy == *s}>{*s}</option>
                    }) }
                </select>
                <button onclick={change}>{"Change strategy"}</button>
                if n.paused {
                    <button onclick={emit(Action::PauseSupervision(pid, false))}>{"Resume supervision"}</button>
                } else {
                    <button onclick={emit(Action::PauseSupervision(pid, true))}>{"Pause supervision"}</button>
                }
            </>
        }
    });
    let child_actions = parent.and_then(|par| par.pid).map(|sup| {
        html! {
            <>
                <span class="sep" />
                <button onclick={emit(Action::RestartChild { sup, id: n.id.clone() })}>{"Restart child"}</button>
                <button onclick={emit(Action::TerminateChild { sup, id: n.id.clone() })}>{"Terminate child"}</button>
            </>
        }
    });
    html! {
        <>
            <span class="target" title={pid.to_string()}>{format!("{} {}", n.id, pid)}</span>
            <input class="reason" type="text" aria-label="Exit reason" value={(**reason).clone()} oninput={on_reason} size="8" />
            <button class="danger" onclick={kill}>{"Kill"}</button>
            if !n.supervisor {
                <button onclick={emit(Action::Send { pid, text: "{:crash, :simulated_failure}".into() })} title="Make the worker crash in a callback">{"Crash"}</button>
            }
            <button onclick={emit(Action::Suspend(pid))} disabled={suspended}>{"Suspend"}</button>
            <button onclick={emit(Action::Resume(pid))} disabled={!suspended}>{"Resume"}</button>
            { for child_actions }
            { for sup_actions }
        </>
    }
}

/// The focused element of the document, or of the shadow root `el` is in:
/// inside an embed's shadow root, `document.activeElement` is the embed's
/// host element, not the focused tree item.
fn active_element_near(el: Option<web_sys::Element>) -> Option<web_sys::Element> {
    if let Some(root) = el.map(|e| e.get_root_node()).and_then(|n| n.dyn_into::<web_sys::ShadowRoot>().ok()) {
        return root.active_element();
    }
    gloo::utils::document().active_element()
}
