//! The syntax tree the parser builds and the evaluator walks: compact nodes
//! with a line:column position each, patterns being expressions read in
//! pattern mode.

use std::rc::Rc;

use crate::term::{Atom, Term};

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Concat,
    ListAdd,
    ListSub,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Gt,
    Le,
    Ge,
    /// `and`/`or`: strict booleans on the left, short-circuiting.
    And,
    Or,
    /// `&&`/`||`: truthiness, short-circuiting.
    AndAlso,
    OrElse,
    In,
    NotIn,
    Range,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Plus,
    /// `not`: strict boolean.
    Not,
    /// `!`: truthiness.
    Bang,
}

#[derive(Clone, Debug)]
pub(crate) struct Expr {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Lit(Term),
    Var(Atom),
    /// `_` or `_name` in a pattern.
    Wild,
    /// `^name` in a pattern.
    Pin(Atom),
    Tuple(Vec<Expr>),
    /// `[a, b | tail]`.
    List(Vec<Expr>, Option<Box<Expr>>),
    Map(Vec<(Expr, Expr)>),
    /// `%{map | k => v}`.
    MapUpdate(Box<Expr>, Vec<(Expr, Expr)>),
    /// `%Name{...}` in patterns and expressions.
    Struct(Atom, Vec<(Expr, Expr)>),
    /// A string with interpolations: each part is converted with `to_string`.
    Interp(Vec<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Un(UnOp, Box<Expr>),
    /// `pattern = expr`.
    Match(Box<Expr>, Box<Expr>),
    /// `name(args)` inside a module (or a `Kernel` function).
    Local(Atom, Vec<Expr>),
    /// `Mod.name(args)`; the module is an expression (usually a literal).
    Remote(Box<Expr>, Atom, Vec<Expr>),
    /// `fun.(args)`.
    Apply(Box<Expr>, Vec<Expr>),
    /// `map.key`.
    Field(Box<Expr>, Atom),
    /// `term[key]`.
    Access(Box<Expr>, Box<Expr>),
    Fn(Rc<[Clause]>),
    /// `&name/arity` (module `None`) or `&Mod.name/arity`.
    Capture(Option<Box<Expr>>, Atom, u8),
    Block(Vec<Expr>),
    Case(Box<Expr>, Vec<Clause>),
    Cond(Vec<(Expr, Expr)>),
    /// `if`/`unless`, already turned into `if`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    With(Vec<Step>, Box<Expr>, Vec<Clause>),
    For(Vec<Step>, Option<Box<Expr>>, Box<Expr>),
    Receive(Vec<Clause>, Option<(Box<Expr>, Box<Expr>)>),
    Try(Box<Expr>, Vec<Rescue>, Vec<Clause>, Option<Box<Expr>>),
    /// `@name` inside a module.
    Attr(Atom),
    /// `__MODULE__`.
    Module,
}

/// One clause: patterns (one per argument), an optional guard, a body.
#[derive(Clone, Debug)]
pub(crate) struct Clause {
    pub pats: Vec<Expr>,
    pub guard: Option<Expr>,
    pub body: Expr,
}

/// A `with`/`for` step: `pattern <- expr` (a generator), a plain match or a
/// filter (`pat` is `None`).
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub pat: Option<Expr>,
    pub guard: Option<Expr>,
    pub expr: Expr,
    /// `pat = expr` in a `with`, rather than `pat <- expr`.
    pub bare: bool,
}

/// A `rescue` clause: `var in [Kinds]`, `Kind`, or `var`.
#[derive(Clone, Debug)]
pub(crate) struct Rescue {
    pub var: Option<Atom>,
    /// Exception module atoms; empty rescues everything.
    pub kinds: Vec<Atom>,
    pub body: Expr,
}

impl Expr {
    pub fn new(pos: Pos, kind: Kind) -> Expr {
        Expr { pos, kind }
    }
}
