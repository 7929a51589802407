//! Interned atoms: a thread-local table from name to a small index.
//!
//! The atoms the runtime and OTP layers match on are constants with fixed
//! indices (the first entries of the table), so `reason.is_atom(Atom::KILL)`
//! is an integer compare. Term order compares atoms by name, never by index,
//! so interning order is not observable.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// An interned atom.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Atom(u32);

macro_rules! predefined {
    ($($name:ident = $idx:expr => $text:expr,)*) => {
        impl Atom {
            $(pub const $name: Atom = Atom($idx);)*
        }
        const PREDEFINED: &[&str] = &[$($text,)*];
    };
}

predefined! {
    OK = 0 => "ok",
    ERROR = 1 => "error",
    TRUE = 2 => "true",
    FALSE = 3 => "false",
    NIL = 4 => "nil",
    UNDEFINED = 5 => "undefined",
    NORMAL = 6 => "normal",
    KILL = 7 => "kill",
    KILLED = 8 => "killed",
    SHUTDOWN = 9 => "shutdown",
    NOPROC = 10 => "noproc",
    EXIT = 11 => "EXIT",
    DOWN = 12 => "DOWN",
    PROCESS = 13 => "process",
    GEN_CALL = 14 => "$gen_call",
    GEN_CAST = 15 => "$gen_cast",
    SYSTEM = 16 => "system",
    TIMEOUT = 17 => "timeout",
    INFINITY = 18 => "infinity",
    PANIC = 19 => "panic",
    BADARG = 20 => "badarg",
    BADARITH = 21 => "badarith",
    IGNORE = 22 => "ignore",
    STOP = 23 => "stop",
    REPLY = 24 => "reply",
    NOREPLY = 25 => "noreply",
    GET_STATE = 26 => "get_state",
    REPLACE_STATE = 27 => "replace_state",
    SUSPEND = 28 => "suspend",
    RESUME = 29 => "resume",
    CALLING_SELF = 30 => "calling_self",
    NOCONNECTION = 31 => "noconnection",
    RUNNING = 32 => "running",
    NOT_FOUND = 33 => "not_found",
    RESTARTING = 34 => "restarting",
    ALREADY_PRESENT = 35 => "already_present",
    ALREADY_STARTED = 36 => "already_started",
    SIMPLE_ONE_FOR_ONE = 37 => "simple_one_for_one",
    INIT_FAILED = 38 => "init_failed",
    TOKEN = 39 => "token",
    GET_STATUS = 40 => "get_status",
    BADMATCH = 41 => "badmatch",
    NOT_GENSERVER = 42 => "not_genserver",
    FAILED_TO_START_CHILD = 43 => "failed_to_start_child",
    REACHED_MAX_RESTART_INTENSITY = 44 => "reached_max_restart_intensity",
    WORKER = 45 => "worker",
    SUPERVISOR = 46 => "supervisor",
    DYNAMIC = 47 => "dynamic",
    ACK = 48 => "ack",
    TERMINATE = 49 => "terminate",
}

struct Table {
    names: Vec<Rc<str>>,
    index: HashMap<Rc<str>, u32>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new({
        let mut t = Table { names: Vec::new(), index: HashMap::new() };
        for name in PREDEFINED {
            let rc: Rc<str> = Rc::from(*name);
            t.index.insert(rc.clone(), t.names.len() as u32);
            t.names.push(rc);
        }
        t
    });
}

impl Atom {
    /// Interns `name`. Atoms are never freed, as in the BEAM.
    pub fn new(name: &str) -> Atom {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(&i) = t.index.get(name) {
                return Atom(i);
            }
            let i = t.names.len() as u32;
            let rc: Rc<str> = Rc::from(name);
            t.index.insert(rc.clone(), i);
            t.names.push(rc);
            Atom(i)
        })
    }

    /// The atom's text.
    pub fn name(&self) -> Rc<str> {
        TABLE.with(|t| t.borrow().names.get(self.0 as usize).cloned().unwrap_or_else(|| Rc::from("")))
    }

    /// Calls `f` with the atom's text without cloning it.
    pub fn with_name<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        TABLE.with(|t| {
            let t = t.borrow();
            f(t.names.get(self.0 as usize).map(|s| &**s).unwrap_or(""))
        })
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_name(|n| write!(f, ":{n}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_atoms_intern_to_their_constants() {
        assert_eq!(Atom::new("kill"), Atom::KILL);
        assert_eq!(Atom::new("$gen_call"), Atom::GEN_CALL);
        assert_eq!(&*Atom::DYNAMIC.name(), "dynamic");
        let a = Atom::new("some_new_atom");
        assert_eq!(a, Atom::new("some_new_atom"));
        assert_ne!(a, Atom::OK);
    }
}
