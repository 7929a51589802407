//! Interned atoms: a thread-local table from name to a small index.
//!
//! The atoms the runtime and OTP layers match on are constants with fixed
//! indices (the first entries of the table), so `reason.is_atom(Atom::KILL)`
//! is an integer compare. Term order compares atoms by name, never by index,
//! so interning order is not observable.
//!
//! The table has the BEAM's limits: an atom's name is at most
//! [`MAX_ATOM_CHARS`] characters and the table holds at most [`MAX_ATOMS`]
//! atoms. Input from outside (parsed terms, JSON terms) interns through
//! [`Atom::try_new`], which refuses past either limit with [`AtomError`], the
//! `system_limit` Erlang raises. [`Atom::new`] is for names written in the
//! program itself, which are finitely many, so it interns without the table
//! bound (a too-long name from the program would be a bug, and is still kept).

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

/// The longest atom name, in characters, as in the BEAM.
pub const MAX_ATOM_CHARS: usize = 255;

/// How many atoms the table holds: the BEAM's default atom table size.
pub const MAX_ATOMS: usize = 1_048_576;

/// Why a name could not become an atom. Both are Erlang's `system_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomError {
    /// The name has more than [`MAX_ATOM_CHARS`] characters.
    TooLong { chars: usize },
    /// The table already holds [`MAX_ATOMS`] atoms and the name is new.
    TableFull,
}

impl fmt::Display for AtomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtomError::TooLong { chars } => {
                write!(f, "system_limit: an atom has at most {MAX_ATOM_CHARS} characters, this one has {chars}")
            }
            AtomError::TableFull => write!(f, "system_limit: the atom table is full ({MAX_ATOMS} atoms)"),
        }
    }
}

impl std::error::Error for AtomError {}

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

    /// Interns `name` from untrusted input, with the BEAM's limits: a name
    /// longer than [`MAX_ATOM_CHARS`] characters, or a new name when the
    /// table holds [`MAX_ATOMS`], is refused with `system_limit`.
    pub fn try_new(name: &str) -> Result<Atom, AtomError> {
        Atom::try_new_bounded(name, MAX_ATOMS)
    }

    /// [`Atom::try_new`] with the table bound as a parameter, so tests can
    /// reach a full table without interning a million atoms.
    fn try_new_bounded(name: &str, max_atoms: usize) -> Result<Atom, AtomError> {
        // Counting characters stops early: a 10 MB name costs no more than a
        // 256-character one.
        let chars = name.chars().take(MAX_ATOM_CHARS + 1).count();
        if chars > MAX_ATOM_CHARS {
            return Err(AtomError::TooLong { chars: name.chars().count() });
        }
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(&i) = t.index.get(name) {
                return Ok(Atom(i));
            }
            if t.names.len() >= max_atoms {
                return Err(AtomError::TableFull);
            }
            let i = t.names.len() as u32;
            let rc: Rc<str> = Rc::from(name);
            t.index.insert(rc.clone(), i);
            t.names.push(rc);
            Ok(Atom(i))
        })
    }

    /// The atom named `name` if it is already interned, like Erlang's
    /// `list_to_existing_atom`: looking a name up never grows the table.
    pub fn existing(name: &str) -> Option<Atom> {
        TABLE.with(|t| t.borrow().index.get(name).map(|&i| Atom(i)))
    }

    /// How many atoms are interned.
    pub fn count() -> usize {
        TABLE.with(|t| t.borrow().names.len())
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

    /// (name length in characters, expected outcome) for untrusted names.
    #[test]
    fn try_new_refuses_names_past_255_characters() {
        let cases: &[(usize, Option<AtomError>)] = &[
            (0, None),
            (1, None),
            (255, None),
            (256, Some(AtomError::TooLong { chars: 256 })),
            (100_000, Some(AtomError::TooLong { chars: 100_000 })),
        ];
        for &(len, expected) in cases {
            // Multi-byte characters: the limit counts characters, not bytes.
            let name = "é".repeat(len);
            let before = Atom::count();
            let got = Atom::try_new(&name);
            match expected {
                None => assert_eq!(got.map(|a| a.name().chars().count()), Ok(len), "length {len}"),
                Some(e) => {
                    assert_eq!(got, Err(e), "length {len}");
                    assert_eq!(Atom::count(), before, "a refused atom is not interned");
                }
            }
        }
    }

    #[test]
    fn a_full_table_refuses_new_names_but_finds_old_ones() {
        let bound = Atom::count();
        assert_eq!(Atom::try_new_bounded("kill", bound), Ok(Atom::KILL));
        assert_eq!(Atom::try_new_bounded("not_yet_interned_atom", bound), Err(AtomError::TableFull));
        assert_eq!(Atom::count(), bound);
        assert!(AtomError::TableFull.to_string().starts_with("system_limit"));
    }
}
