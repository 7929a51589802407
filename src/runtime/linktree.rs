//! The shape of a process's link set as ERTS keeps it: a red-black tree
//! keyed by the other pid, built and pruned with exactly the algorithms of
//! ERTS's `erl_rbtree.h` (CLRS insert; delete splicing out the successor,
//! with a temporary black "null" node to start the fix-up).
//!
//! Why the shape matters: when a process dies, ERTS sends its link exit
//! signals while destroying that tree in post-order (left subtree, right
//! subtree, node). The receivers are scheduled in that order, so it decides,
//! for instance, which child of a killed supervisor dies first and whether
//! the supervisor's parent restarts it before or after its children are
//! gone. Real OTP traces show it (a supervisor with parent P and children
//! x < y is killed: P gets its EXIT first, then y, then x).
//!
//! The tree lives in a small arena; it holds at most a few nodes for most
//! processes, and nothing at all for a process without links.

use crate::term::Pid;

type Ix = u32;

#[derive(Clone, Copy, Debug)]
struct Node {
    key: Pid,
    left: Option<Ix>,
    right: Option<Ix>,
    parent: Option<Ix>,
    red: bool,
}

/// A red-black tree of pids, shaped as ERTS shapes its link trees.
#[derive(Clone, Debug, Default)]
pub struct LinkTree {
    nodes: Vec<Node>,
    free: Vec<Ix>,
    root: Option<Ix>,
}

impl LinkTree {
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    fn n(&self, i: Ix) -> &Node {
        &self.nodes[i as usize]
    }

    fn m(&mut self, i: Ix) -> &mut Node {
        &mut self.nodes[i as usize]
    }

    fn is_red(&self, i: Option<Ix>) -> bool {
        i.is_some_and(|i| self.n(i).red)
    }

    fn alloc(&mut self, key: Pid, red: bool) -> Ix {
        let node = Node { key, left: None, right: None, parent: None, red };
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as Ix
            }
        }
    }

    fn left_rotate(&mut self, x: Ix) {
        let Some(y) = self.n(x).right else { return };
        let l = self.n(y).left;
        self.m(x).right = l;
        if let Some(l) = l {
            self.m(l).parent = Some(x);
        }
        let p = self.n(x).parent;
        self.m(y).parent = p;
        match p {
            None => self.root = Some(y),
            Some(p) if self.n(p).left == Some(x) => self.m(p).left = Some(y),
            Some(p) => self.m(p).right = Some(y),
        }
        self.m(y).left = Some(x);
        self.m(x).parent = Some(y);
    }

    fn right_rotate(&mut self, x: Ix) {
        let Some(y) = self.n(x).left else { return };
        let r = self.n(y).right;
        self.m(x).left = r;
        if let Some(r) = r {
            self.m(r).parent = Some(x);
        }
        let p = self.n(x).parent;
        self.m(y).parent = p;
        match p {
            None => self.root = Some(y),
            Some(p) if self.n(p).right == Some(x) => self.m(p).right = Some(y),
            Some(p) => self.m(p).left = Some(y),
        }
        self.m(y).right = Some(x);
        self.m(x).parent = Some(y);
    }

    fn find(&self, key: Pid) -> Option<Ix> {
        let mut x = self.root;
        while let Some(i) = x {
            let k = self.n(i).key;
            if key == k {
                return Some(i);
            }
            x = if key < k { self.n(i).left } else { self.n(i).right };
        }
        None
    }

    /// Inserts `key` (no-op if present), as `insert_aux__` does.
    pub fn insert(&mut self, key: Pid) {
        if self.find(key).is_some() {
            return;
        }
        let Some(mut x) = self.root else {
            let n = self.alloc(key, false);
            self.root = Some(n);
            return;
        };
        let n = self.alloc(key, true);
        loop {
            let go_left = key < self.n(x).key;
            let c = if go_left { self.n(x).left } else { self.n(x).right };
            match c {
                Some(c) => x = c,
                None => {
                    self.m(n).parent = Some(x);
                    if go_left {
                        self.m(x).left = Some(n);
                    } else {
                        self.m(x).right = Some(n);
                    }
                    break;
                }
            }
        }
        if self.n(x).red {
            self.insert_fixup(n);
        }
    }

    fn insert_fixup(&mut self, n: Ix) {
        let mut x = n;
        while let Some(p) = self.n(x).parent {
            let Some(pp) = self.n(p).parent else { break };
            if self.n(pp).left == Some(p) {
                let y = self.n(pp).right;
                if self.is_red(y) {
                    if let Some(y) = y {
                        self.m(y).red = false;
                    }
                    self.m(p).red = false;
                    self.m(pp).red = true;
                    x = pp;
                } else {
                    let mut p = p;
                    let mut pp = pp;
                    if self.n(p).right == Some(x) {
                        x = p;
                        self.left_rotate(x);
                        let Some(np) = self.n(x).parent else { break };
                        let Some(npp) = self.n(np).parent else { break };
                        p = np;
                        pp = npp;
                    }
                    self.m(p).red = false;
                    self.m(pp).red = true;
                    self.right_rotate(pp);
                    break;
                }
            } else {
                let y = self.n(pp).left;
                if self.is_red(y) {
                    if let Some(y) = y {
                        self.m(y).red = false;
                    }
                    self.m(p).red = false;
                    self.m(pp).red = true;
                    x = pp;
                } else {
                    let mut p = p;
                    let mut pp = pp;
                    if self.n(p).left == Some(x) {
                        x = p;
                        self.right_rotate(x);
                        let Some(np) = self.n(x).parent else { break };
                        let Some(npp) = self.n(np).parent else { break };
                        p = np;
                        pp = npp;
                    }
                    self.m(p).red = false;
                    self.m(pp).red = true;
                    self.left_rotate(pp);
                    break;
                }
            }
            if Some(x) == self.root || !self.is_red(self.n(x).parent) {
                break;
            }
        }
        if let Some(r) = self.root {
            self.m(r).red = false;
        }
    }

    /// `replace__`: node `y` takes the place (and colour) of node `x`.
    fn replace(&mut self, x: Ix, y: Ix) {
        let p = self.n(x).parent;
        match p {
            None => self.root = Some(y),
            Some(p) if self.n(p).left == Some(x) => self.m(p).left = Some(y),
            Some(p) => self.m(p).right = Some(y),
        }
        let l = self.n(x).left;
        if let Some(l) = l {
            self.m(l).parent = Some(y);
        }
        let r = self.n(x).right;
        if let Some(r) = r {
            self.m(r).parent = Some(y);
        }
        let red = self.n(x).red;
        let yn = self.m(y);
        yn.red = red;
        yn.parent = p;
        yn.right = r;
        yn.left = l;
    }

    /// Removes `key` if present, as ERTS's `delete` does.
    pub fn remove(&mut self, key: Pid) {
        let Some(z) = self.find(key) else { return };
        // The temporary black leaf that starts the fix-up when a black node
        // without children is spliced out.
        let null_x = self.alloc(key, false);
        let y = if self.n(z).left.is_none() || self.n(z).right.is_none() {
            z
        } else {
            let mut y = self.n(z).right.unwrap_or(z);
            while let Some(t) = self.n(y).left {
                y = t;
            }
            y
        };
        let mut x = self.n(y).left.or(self.n(y).right);
        let spliced_is_black = !self.n(y).red;
        let p = self.n(y).parent;
        if let Some(xi) = x {
            self.m(xi).parent = p;
        } else if spliced_is_black {
            self.m(null_x).parent = p;
            self.m(y).left = Some(null_x);
            x = Some(null_x);
        }
        match p {
            None => self.root = x,
            Some(p) if self.n(p).left == Some(y) => self.m(p).left = x,
            Some(p) => self.m(p).right = x,
        }
        if y != z {
            self.replace(z, y);
        }
        if spliced_is_black {
            if let Some(mut x) = x {
                let mut p = self.n(x).parent;
                while !self.n(x).red {
                    let Some(pi) = p else { break };
                    if self.n(pi).left == Some(x) {
                        let Some(mut w) = self.n(pi).right else { break };
                        let mut pi = pi;
                        if self.n(w).red {
                            self.m(w).red = false;
                            self.m(pi).red = true;
                            self.left_rotate(pi);
                            let Some(np) = self.n(x).parent else { break };
                            pi = np;
                            let Some(nw) = self.n(pi).right else { break };
                            w = nw;
                        }
                        let (l, r) = (self.n(w).left, self.n(w).right);
                        if !self.is_red(l) && !self.is_red(r) {
                            self.m(w).red = true;
                            x = pi;
                            p = self.n(x).parent;
                        } else {
                            if !self.is_red(r) {
                                if let Some(l) = l {
                                    self.m(l).red = false;
                                }
                                self.m(w).red = true;
                                self.right_rotate(w);
                                let Some(np) = self.n(x).parent else { break };
                                pi = np;
                                let Some(nw) = self.n(pi).right else { break };
                                w = nw;
                            }
                            if self.n(pi).red {
                                self.m(pi).red = false;
                                self.m(w).red = true;
                            }
                            if let Some(r) = self.n(w).right {
                                self.m(r).red = false;
                            }
                            self.left_rotate(pi);
                            let Some(root) = self.root else { break };
                            x = root;
                            break;
                        }
                    } else {
                        let Some(mut w) = self.n(pi).left else { break };
                        let mut pi = pi;
                        if self.n(w).red {
                            self.m(w).red = false;
                            self.m(pi).red = true;
                            self.right_rotate(pi);
                            let Some(np) = self.n(x).parent else { break };
                            pi = np;
                            let Some(nw) = self.n(pi).left else { break };
                            w = nw;
                        }
                        let (l, r) = (self.n(w).left, self.n(w).right);
                        if !self.is_red(r) && !self.is_red(l) {
                            self.m(w).red = true;
                            x = pi;
                            p = self.n(x).parent;
                        } else {
                            if !self.is_red(l) {
                                if let Some(r) = r {
                                    self.m(r).red = false;
                                }
                                self.m(w).red = true;
                                self.left_rotate(w);
                                let Some(np) = self.n(x).parent else { break };
                                pi = np;
                                let Some(nw) = self.n(pi).left else { break };
                                w = nw;
                            }
                            if self.n(pi).red {
                                self.m(pi).red = false;
                                self.m(w).red = true;
                            }
                            if let Some(l) = self.n(w).left {
                                self.m(l).red = false;
                            }
                            self.right_rotate(pi);
                            let Some(root) = self.root else { break };
                            x = root;
                            break;
                        }
                    }
                }
                self.m(x).red = false;
            }
            // Take the temporary leaf out again, wherever the rotations
            // left it.
            match self.n(null_x).parent {
                Some(p) => {
                    if self.n(p).left == Some(null_x) {
                        self.m(p).left = None;
                    } else if self.n(p).right == Some(null_x) {
                        self.m(p).right = None;
                    }
                }
                None => {
                    if self.root == Some(null_x) {
                        self.root = None;
                    }
                }
            }
        }
        self.free.push(null_x);
        self.free.push(z);
        if self.root.is_none() {
            self.nodes.clear();
            self.free.clear();
        }
    }

    /// The keys in the order ERTS's `foreach_destroy` visits them:
    /// post-order (left subtree, right subtree, node).
    pub fn destroy_order(&self) -> Vec<Pid> {
        let mut out = Vec::new();
        let mut stack: Vec<(Ix, bool)> = Vec::new();
        if let Some(r) = self.root {
            stack.push((r, false));
        }
        while let Some((i, expanded)) = stack.pop() {
            if expanded {
                out.push(self.n(i).key);
                continue;
            }
            stack.push((i, true));
            if let Some(r) = self.n(i).right {
                stack.push((r, false));
            }
            if let Some(l) = self.n(i).left {
                stack.push((l, false));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(t: &LinkTree) -> usize {
        fn walk(t: &LinkTree, i: Option<Ix>, lo: Option<Pid>, hi: Option<Pid>) -> usize {
            let Some(i) = i else { return 1 };
            let n = t.n(i);
            assert!(lo.is_none_or(|l| n.key > l) && hi.is_none_or(|h| n.key < h), "order");
            if n.red {
                assert!(!t.is_red(n.left) && !t.is_red(n.right), "red-red");
            }
            for c in [n.left, n.right].into_iter().flatten() {
                assert_eq!(t.n(c).parent, Some(i), "parent link");
            }
            let bl = walk(t, n.left, lo, Some(n.key));
            let br = walk(t, n.right, Some(n.key), hi);
            assert_eq!(bl, br, "black height");
            bl + usize::from(!n.red)
        }
        walk(t, t.root, None, None)
    }

    #[test]
    fn three_links_are_destroyed_left_right_middle() {
        // As measured on OTP 25: links to a < b < c, made in any order, are
        // signalled a, c, b.
        for order in [[1, 2, 3], [3, 1, 2], [2, 3, 1]] {
            let mut t = LinkTree::default();
            for k in order {
                t.insert(Pid(k));
            }
            assert_eq!(t.destroy_order(), vec![Pid(1), Pid(3), Pid(2)]);
        }
    }

    #[test]
    fn stays_a_valid_red_black_tree() {
        let mut t = LinkTree::default();
        let mut present = std::collections::BTreeSet::new();
        let mut x: u64 = 7;
        for _ in 0..2000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let k = Pid(((x >> 33) % 64) as u32);
            if (x >> 20) % 3 == 0 {
                t.remove(k);
                present.remove(&k);
            } else {
                t.insert(k);
                present.insert(k);
            }
            check(&t);
            let mut got = t.destroy_order();
            got.sort();
            assert_eq!(got, present.iter().copied().collect::<Vec<_>>());
        }
    }
}
