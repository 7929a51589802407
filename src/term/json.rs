//! The JSON shapes of a term: a tagged serde shape that round-trips every
//! term (`Serialize`/`Deserialize` for [`Term`] and [`TermJson`],
//! [`Term::to_json_value`], [`Term::from_json_value`]), and a lossy plain
//! shape for human-facing API output ([`Term::to_plain_json`]).
//!
//! The tagged shape is an object with exactly one key naming the kind:
//!
//! ```text
//! {"atom":"ok"}  {"int":5}  {"float":1.5}  {"str":"a"}
//! {"tuple":[{"atom":"inc"},{"int":5}]}  {"list":[...]}
//! {"map":[[{"atom":"name"},{"str":"a"}], ...]}
//! {"pid":"0.42.0"}  {"ref":7}
//! ```
//!
//! Integers and reference numbers are JSON numbers; JavaScript reads those
//! exactly only up to 2^53. Non-finite floats, which JSON numbers cannot
//! express, are the strings `"NaN"`, `"-NaN"`, `"Infinity"` and
//! `"-Infinity"` (a NaN keeps its sign, not its payload). Reading accepts an
//! integer for `"float"` too. Terms nest at most [`MAX_DEPTH`] deep;
//! `serde_json::from_str` also stops at its own limit of 128 nested arrays
//! and objects (about 60 nested terms, since every term is an object holding
//! an array); [`Term::from_json_value`] has only ours.

use std::rc::Rc;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use super::{Atom, Pid, Ref, Term};

/// How deeply terms may nest in JSON input.
pub const MAX_DEPTH: usize = 256;

/// The tags of the tagged shape, for error messages.
const TAGS: &str = "atom, int, float, str, tuple, list, map, pid, ref";

/// A term in its tagged JSON shape, for use in serde-derived structs where a
/// field should say so explicitly. Serializes exactly as the `Term` inside.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TermJson(pub Term);

impl From<Term> for TermJson {
    fn from(t: Term) -> TermJson {
        TermJson(t)
    }
}

impl From<TermJson> for Term {
    fn from(t: TermJson) -> Term {
        t.0
    }
}

impl Serialize for Atom {
    /// An atom serializes as its name: `"ok"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with_name(|name| serializer.serialize_str(name))
    }
}

impl<'de> Deserialize<'de> for Atom {
    /// An atom deserializes from its name, interning it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Atom, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Atom::try_new(&name).map_err(serde::de::Error::custom)
    }
}

/// The string standing for a non-finite float.
fn non_finite_name(f: f64) -> &'static str {
    if f.is_nan() {
        if f.is_sign_negative() {
            "-NaN"
        } else {
            "NaN"
        }
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// The float a non-finite name stands for.
fn non_finite_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "-NaN" => Some(-f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(1))?;
        match self {
            Term::Atom(a) => m.serialize_entry("atom", &*a.name())?,
            Term::Int(i) => m.serialize_entry("int", i)?,
            Term::Float(f) if f.is_finite() => m.serialize_entry("float", f)?,
            Term::Float(f) => m.serialize_entry("float", non_finite_name(*f))?,
            Term::Str(s) => m.serialize_entry("str", &**s)?,
            Term::Tuple(xs) => m.serialize_entry("tuple", &**xs)?,
            Term::List(xs) => m.serialize_entry("list", &**xs)?,
            Term::Map(es) => m.serialize_entry("map", &**es)?,
            Term::Pid(p) => m.serialize_entry("pid", &p.short())?,
            Term::Ref(r) => m.serialize_entry("ref", &r.0)?,
            Term::Fun(f) => m.serialize_entry("fun", &*f.label)?,
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Term {
    /// Reads the tagged shape (through a `serde_json::Value`, so every
    /// format gets [`Term::from_json_value`]'s checks and messages).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Term, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Term::from_json_value(&value).map_err(D::Error::custom)
    }
}

/// A short description of a JSON value's kind, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An error reading the tagged shape: what went wrong, and where, as path
/// segments from the innermost out (built only when reading fails).
struct ReadError {
    path: Vec<String>,
    message: String,
}

impl ReadError {
    #[cold]
    fn new(message: String) -> ReadError {
        ReadError { path: Vec::new(), message }
    }

    /// The same error, one level further out, under `segment`.
    #[cold]
    fn within(mut self, segment: impl FnOnce() -> String) -> ReadError {
        self.path.push(segment());
        self
    }

    /// `$.tuple[1]: message`.
    fn render(self) -> String {
        let mut out = String::from("$");
        for segment in self.path.iter().rev() {
            out.push_str(segment);
        }
        out.push_str(": ");
        out.push_str(&self.message);
        out
    }
}

#[cold]
#[inline(never)]
fn wrong_kind(expected: &str, found: &Value) -> ReadError {
    ReadError::new(format!("expected {expected}, found {}", kind(found)))
}

#[cold]
#[inline(never)]
fn not_one_tag(obj: &Map<String, Value>) -> ReadError {
    if obj.is_empty() {
        return ReadError::new(format!("empty object, expected one tag of {TAGS}"));
    }
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    ReadError::new(format!("expected exactly one tag, found {}: {}", keys.len(), keys.join(", ")))
}

/// Reads a tag's body (anything but a tuple, list or map).
#[inline(never)]
fn read_scalar(tag: &str, body: &Value) -> Result<Term, ReadError> {
    match (tag, body) {
        ("atom", Value::String(s)) => Atom::try_new(s).map(Term::Atom).map_err(|e| ReadError::new(e.to_string())),
        ("atom", _) => Err(wrong_kind("a string", body)),
        ("int", Value::Number(n)) => n
            .as_i64()
            .map(Term::Int)
            .ok_or_else(|| ReadError::new(format!("expected an integer in the 64-bit signed range, found {n}"))),
        ("int", _) => Err(wrong_kind("an integer", body)),
        ("float", Value::Number(n)) => {
            n.as_f64().map(Term::Float).ok_or_else(|| ReadError::new(format!("expected a float, found {n}")))
        }
        ("float", Value::String(s)) => non_finite_value(s).map(Term::Float).ok_or_else(|| {
            ReadError::new(format!("expected a number or one of NaN, -NaN, Infinity, -Infinity, found {s:?}"))
        }),
        ("float", _) => Err(wrong_kind("a number", body)),
        ("str", Value::String(s)) => Ok(Term::Str(Rc::from(s.as_str()))),
        ("str", _) => Err(wrong_kind("a string", body)),
        ("pid", Value::String(s)) => Pid::parse_short(s)
            .map(Term::Pid)
            .ok_or_else(|| ReadError::new(format!("expected a pid like \"0.42.0\", found {s:?}"))),
        ("pid", _) => Err(wrong_kind("a string like \"0.42.0\"", body)),
        ("ref", Value::Number(n)) => n
            .as_u64()
            .map(|r| Term::Ref(Ref(r)))
            .ok_or_else(|| ReadError::new(format!("expected a non-negative integer, found {n}"))),
        ("ref", _) => Err(wrong_kind("a non-negative integer", body)),
        _ => Err(ReadError::new(format!("unknown tag {tag:?}, expected one of {TAGS}"))),
    }
}

/// Reads `v` as a term nested `depth` terms deep.
fn read(v: &Value, depth: usize) -> Result<Term, ReadError> {
    if depth > MAX_DEPTH {
        return Err(ReadError::new(format!("terms nest deeper than {MAX_DEPTH} levels")));
    }
    let Value::Object(obj) = v else {
        return Err(wrong_kind("a tagged term object like {\"atom\":\"ok\"}", v));
    };
    let mut entries = obj.iter();
    let (tag, body) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => return Err(not_one_tag(obj)),
    };
    match tag.as_str() {
        "tuple" | "list" => {
            let Value::Array(items) = body else {
                return Err(wrong_kind("an array", body).within(|| format!(".{tag}")));
            };
            let mut terms = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                terms.push(read(x, depth + 1).map_err(|e| e.within(|| format!(".{tag}[{i}]")))?);
            }
            Ok(if tag == "tuple" { Term::tuple(terms) } else { Term::list(terms) })
        }
        "map" => {
            let Value::Array(items) = body else {
                return Err(wrong_kind("an array of [key, value] pairs", body).within(|| ".map".to_string()));
            };
            let mut entries = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let pair = match item {
                    Value::Array(kv) => read_pair(kv, depth),
                    other => Err(wrong_kind("a [key, value] pair", other)),
                };
                entries.push(pair.map_err(|e| e.within(|| format!(".map[{i}]")))?);
            }
            Ok(Term::map(entries))
        }
        "atom" | "int" | "float" | "str" | "pid" | "ref" => {
            read_scalar(tag, body).map_err(|e| e.within(|| format!(".{tag}")))
        }
        other => Err(ReadError::new(format!("unknown tag {other:?}, expected one of {TAGS}"))),
    }
}

/// Reads a map entry `[key, value]` whose map is `depth` terms deep.
fn read_pair(kv: &[Value], depth: usize) -> Result<(Term, Term), ReadError> {
    let [k, v] = kv else {
        return Err(ReadError::new(format!("expected a [key, value] pair, found {} elements", kv.len())));
    };
    let k = read(k, depth + 1).map_err(|e| e.within(|| "[0]".to_string()))?;
    let v = read(v, depth + 1).map_err(|e| e.within(|| "[1]".to_string()))?;
    Ok((k, v))
}

/// A single-entry JSON object `{tag: body}`.
fn tagged(tag: &str, body: Value) -> Value {
    let mut m = Map::new();
    m.insert(tag.to_string(), body);
    Value::Object(m)
}

impl Term {
    /// The tagged JSON shape of this term (see the module docs); reads back
    /// with [`Term::from_json_value`].
    pub fn to_json_value(&self) -> Value {
        match self {
            Term::Atom(a) => tagged("atom", Value::String(a.name().to_string())),
            Term::Int(i) => tagged("int", Value::from(*i)),
            Term::Float(f) => tagged(
                "float",
                Number::from_f64(*f)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(non_finite_name(*f).to_string())),
            ),
            Term::Str(s) => tagged("str", Value::String(s.to_string())),
            Term::Tuple(xs) => tagged("tuple", Value::Array(xs.iter().map(Term::to_json_value).collect())),
            Term::List(xs) => tagged("list", Value::Array(xs.iter().map(Term::to_json_value).collect())),
            Term::Map(es) => tagged(
                "map",
                Value::Array(
                    es.iter().map(|(k, v)| Value::Array(vec![k.to_json_value(), v.to_json_value()])).collect(),
                ),
            ),
            Term::Pid(p) => tagged("pid", Value::String(p.short())),
            Term::Ref(r) => tagged("ref", Value::from(r.0)),
            Term::Fun(f) => tagged("fun", Value::String(f.label.to_string())),
        }
    }

    /// Reads the tagged JSON shape. Errors name the place and the problem:
    /// `$.tuple[1]: unknown tag "atm", expected one of atom, int, …`.
    pub fn from_json_value(v: &Value) -> Result<Term, String> {
        read(v, 1).map_err(ReadError::render)
    }

    /// A lossy, readable JSON rendering for human-facing output, in the
    /// spirit of Elixir's Jason: `true`/`false` become JSON booleans and
    /// `nil` becomes `null`; other atoms become their name (`"ok"`);
    /// integers and floats become numbers (non-finite floats `null`);
    /// strings stay strings; tuples and lists become arrays; a map becomes
    /// an object when every key is an atom or a string and no two keys share
    /// a name, otherwise an array of `[key, value]` pairs; pids and
    /// references become their Elixir text (`"#PID<0.42.0>"`).
    pub fn to_plain_json(&self) -> Value {
        match self {
            Term::Atom(a) if *a == Atom::TRUE => Value::Bool(true),
            Term::Atom(a) if *a == Atom::FALSE => Value::Bool(false),
            Term::Atom(a) if *a == Atom::NIL => Value::Null,
            Term::Atom(a) => Value::String(a.name().to_string()),
            Term::Int(i) => Value::from(*i),
            Term::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Term::Str(s) => Value::String(s.to_string()),
            Term::Tuple(xs) | Term::List(xs) => Value::Array(xs.iter().map(Term::to_plain_json).collect()),
            Term::Map(es) => {
                let mut obj = Map::new();
                for (k, v) in es.iter() {
                    let name = match k {
                        Term::Atom(a) => a.name().to_string(),
                        Term::Str(s) => s.to_string(),
                        _ => return plain_pairs(es),
                    };
                    if obj.insert(name, v.to_plain_json()).is_some() {
                        return plain_pairs(es);
                    }
                }
                Value::Object(obj)
            }
            Term::Pid(p) => Value::String(p.to_string()),
            Term::Ref(r) => Value::String(r.to_string()),
            Term::Fun(f) => Value::String(f.label.to_string()),
        }
    }
}

/// A map's plain rendering as an array of `[key, value]` pairs.
fn plain_pairs(es: &[(Term, Term)]) -> Value {
    Value::Array(es.iter().map(|(k, v)| Value::Array(vec![k.to_plain_json(), v.to_plain_json()])).collect())
}

#[cfg(test)]
mod tests {
    use super::super::{arbitrary, parse};
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn t(src: &str) -> Term {
        match parse(src) {
            Ok(t) => t,
            Err(e) => panic!("test input {src:?} does not parse: {e}"),
        }
    }

    /// Checks the tagged shape of `src` both ways, and through text.
    fn check(src: &str, expected: Value) {
        let term = t(src);
        assert_eq!(term.to_json_value(), expected, "to_json_value({src})");
        assert_eq!(serde_json::to_value(&term).ok(), Some(expected.clone()), "Serialize({src})");
        assert_eq!(Term::from_json_value(&expected), Ok(term.clone()), "from_json_value({src})");
        let text = expected.to_string();
        assert_eq!(serde_json::from_str::<Term>(&text).ok(), Some(term), "from_str({text})");
    }

    fn check_err(input: Value, expected: &str) {
        assert_eq!(Term::from_json_value(&input), Err(expected.to_string()), "{input}");
        let text = input.to_string();
        match serde_json::from_str::<Term>(&text) {
            Ok(t) => panic!("{text} read as {t:?}"),
            Err(e) => assert!(e.to_string().contains(expected), "{e} lacks {expected}"),
        }
    }

    /// Whether serde_json reads float text exactly (its `float_roundtrip`
    /// feature); without it, some floats come back a few ULPs off.
    fn exact_float_text() -> bool {
        serde_json::from_str::<f64>("9.400138061602597e-216").ok() == Some(9.400138061602597e-216)
    }

    /// Equality, except that floats may differ in their last few bits.
    fn nearly_same(a: &Term, b: &Term) -> bool {
        match (a, b) {
            (Term::Float(x), Term::Float(y)) => x.to_bits().abs_diff(y.to_bits()) <= 64,
            (Term::Tuple(xs), Term::Tuple(ys)) | (Term::List(xs), Term::List(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| nearly_same(x, y))
            }
            (Term::Map(xs), Term::Map(ys)) => {
                xs.len() == ys.len()
                    && xs.iter().zip(ys.iter()).all(|((k1, v1), (k2, v2))| nearly_same(k1, k2) && nearly_same(v1, v2))
            }
            _ => a == b,
        }
    }

    fn check_plain(src: &str, expected: Value) {
        assert_eq!(t(src).to_plain_json(), expected, "to_plain_json({src})");
    }

    /// The JSON decoders give atoms the BEAM's limit too: the tagged form
    /// and a bare `Atom` field both refuse a 256-character name.
    #[test]
    fn json_atoms_have_the_beams_length_limit() {
        let long = "x".repeat(256);
        let tagged = Term::from_json_value(&serde_json::json!({ "atom": long }));
        let want = "system_limit: an atom has at most 255 characters, this one has 256";
        assert!(matches!(&tagged, Err(e) if e.contains(want)), "{tagged:?}");
        let bare: Result<Atom, _> = serde_json::from_value(serde_json::json!(long));
        assert!(matches!(&bare, Err(e) if e.to_string().contains(want)), "{bare:?}");
        let ok = Term::from_json_value(&serde_json::json!({ "atom": "x".repeat(255) }));
        assert!(ok.is_ok());
    }

    #[test]
    fn tagged_shapes() {
        check(":ok", json!({"atom": "ok"}));
        check(":\"$gen_call\"", json!({"atom": "$gen_call"}));
        check("nil", json!({"atom": "nil"}));
        check("5", json!({"int": 5}));
        check("-9223372036854775808", json!({"int": i64::MIN}));
        check("1.5", json!({"float": 1.5}));
        check("1.0", json!({"float": 1.0}));
        check("-0.0", json!({"float": -0.0}));
        check("\"a\\n\"", json!({"str": "a\n"}));
        check("{:inc, 5}", json!({"tuple": [{"atom": "inc"}, {"int": 5}]}));
        check("[]", json!({"list": []}));
        check("[1, [2]]", json!({"list": [{"int": 1}, {"list": [{"int": 2}]}]}));
        check(
            "%{\"k\" => 1, name: \"a\"}",
            json!({"map": [[{"atom": "name"}, {"str": "a"}], [{"str": "k"}, {"int": 1}]]}),
        );
        check("#PID<0.42.0>", json!({"pid": "0.42.0"}));
        check("#Reference<0.0.0.7>", json!({"ref": 7}));
    }

    #[test]
    fn non_finite_floats() {
        for (f, name) in
            [(f64::NAN, "NaN"), (-f64::NAN, "-NaN"), (f64::INFINITY, "Infinity"), (f64::NEG_INFINITY, "-Infinity")]
        {
            let term = Term::Float(f);
            assert_eq!(term.to_json_value(), json!({ "float": name }));
            assert_eq!(serde_json::to_value(&term).ok(), Some(json!({ "float": name })));
            assert_eq!(Term::from_json_value(&json!({ "float": name })), Ok(term));
        }
    }

    #[test]
    fn lenient_reading() {
        assert_eq!(Term::from_json_value(&json!({"float": 2})), Ok(Term::Float(2.0)));
        assert_eq!(
            Term::from_json_value(&json!({"map": [[{"atom": "a"}, {"int": 1}], [{"atom": "a"}, {"int": 2}]]})),
            Ok(t("%{a: 2}")),
        );
        assert_eq!(Term::from_json_value(&json!({"pid": "#PID<0.3.0>"})), Ok(t("#PID<0.3.0>")));
    }

    #[test]
    fn malformed_input() {
        check_err(json!(5), "$: expected a tagged term object like {\"atom\":\"ok\"}, found a number");
        check_err(json!({}), "$: empty object, expected one tag of atom, int, float, str, tuple, list, map, pid, ref");
        check_err(json!({"atom": "a", "int": 1}), "$: expected exactly one tag, found 2: atom, int");
        check_err(
            json!({"atm": "a"}),
            "$: unknown tag \"atm\", expected one of atom, int, float, str, tuple, list, map, pid, ref",
        );
        check_err(json!({"atom": 1}), "$.atom: expected a string, found a number");
        check_err(json!({"int": 1.5}), "$.int: expected an integer in the 64-bit signed range, found 1.5");
        check_err(
            json!({"int": u64::MAX}),
            "$.int: expected an integer in the 64-bit signed range, found 18446744073709551615",
        );
        check_err(json!({"int": "1"}), "$.int: expected an integer, found a string");
        check_err(
            json!({"float": "nan"}),
            "$.float: expected a number or one of NaN, -NaN, Infinity, -Infinity, found \"nan\"",
        );
        check_err(json!({"str": null}), "$.str: expected a string, found null");
        check_err(json!({"tuple": {}}), "$.tuple: expected an array, found an object");
        check_err(
            json!({"tuple": [{"int": 1}, {"atm": "x"}]}),
            "$.tuple[1]: unknown tag \"atm\", expected one of atom, int, float, str, tuple, list, map, pid, ref",
        );
        check_err(
            json!({"list": [[]]}),
            "$.list[0]: expected a tagged term object like {\"atom\":\"ok\"}, found an array",
        );
        check_err(json!({"map": [[{"int": 1}]]}), "$.map[0]: expected a [key, value] pair, found 1 elements");
        check_err(json!({"map": [{"int": 1}]}), "$.map[0]: expected a [key, value] pair, found an object");
        check_err(
            json!({"map": [[{"int": 1}, {"bad": 1}]]}),
            "$.map[0][1]: unknown tag \"bad\", expected one of atom, int, float, str, tuple, list, map, pid, ref",
        );
        check_err(json!({"map": {}}), "$.map: expected an array of [key, value] pairs, found an object");
        check_err(json!({"pid": "1.2.3"}), "$.pid: expected a pid like \"0.42.0\", found \"1.2.3\"");
        check_err(json!({"pid": 42}), "$.pid: expected a string like \"0.42.0\", found a number");
        check_err(json!({"ref": -1}), "$.ref: expected a non-negative integer, found -1");
        check_err(json!({"ref": "7"}), "$.ref: expected a non-negative integer, found a string");
    }

    #[test]
    fn nesting_is_limited() {
        let mut v = json!({"int": 1});
        for _ in 0..MAX_DEPTH {
            v = json!({ "list": [v] });
        }
        let err = Term::from_json_value(&v);
        assert!(matches!(&err, Err(e) if e.ends_with("terms nest deeper than 256 levels")), "{err:?}");
        // serde_json's own recursion limit stops deep text before we do.
        let text = format!("{}{{\"int\":1}}{}", "{\"list\":[".repeat(200), "]}".repeat(200));
        assert!(serde_json::from_str::<Term>(&text).is_err());
    }

    #[test]
    fn term_json_wrapper() {
        let term = t("{:ok, %{a: [1.5]}}");
        let wrapped = TermJson(term.clone());
        assert_eq!(serde_json::to_value(&wrapped).ok(), Some(term.to_json_value()));
        let back: Option<TermJson> = serde_json::from_value(term.to_json_value()).ok();
        assert_eq!(back.map(Term::from), Some(term.clone()));
        assert_eq!(Term::from(TermJson::from(term.clone())), term);

        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Message {
            to: TermJson,
            body: Term,
        }
        let m = Message { to: TermJson(t("#PID<0.1.0>")), body: t("{:inc, 5}") };
        let text = serde_json::to_string(&m).unwrap_or_default();
        assert_eq!(text, r#"{"to":{"pid":"0.1.0"},"body":{"tuple":[{"atom":"inc"},{"int":5}]}}"#);
        assert_eq!(serde_json::from_str::<Message>(&text).ok(), Some(m));
    }

    #[test]
    fn plain_json() {
        check_plain(":ok", json!("ok"));
        check_plain(":\"$gen_call\"", json!("$gen_call"));
        check_plain("Foo.Bar", json!("Elixir.Foo.Bar"));
        check_plain("true", json!(true));
        check_plain("false", json!(false));
        check_plain("nil", json!(null));
        check_plain("-3", json!(-3));
        check_plain("1.5", json!(1.5));
        check_plain("\"a\"", json!("a"));
        check_plain("{:inc, 5}", json!(["inc", 5]));
        check_plain("[1, [2]]", json!([1, [2]]));
        check_plain("%{name: \"a\", count: 1}", json!({"name": "a", "count": 1}));
        check_plain("%{\"k\" => 1, nil: 2}", json!({"k": 1, "nil": 2}));
        check_plain("%{1 => 2}", json!([[1, 2]]));
        check_plain("%{:a => 1, \"a\" => 2}", json!([["a", 1], ["a", 2]]));
        check_plain("#PID<0.42.0>", json!("#PID<0.42.0>"));
        check_plain("#Reference<0.0.0.7>", json!("#Reference<0.0.0.7>"));
        assert_eq!(Term::Float(f64::NAN).to_plain_json(), json!(null));
    }

    proptest! {
        #[test]
        fn tagged_values_round_trip(term in arbitrary::term_any_float()) {
            let v = term.to_json_value();
            prop_assert_eq!(serde_json::to_value(&term).ok(), Some(v.clone()));
            prop_assert_eq!(Term::from_json_value(&v), Ok(term));
        }

        #[test]
        fn tagged_text_round_trips(term in arbitrary::term_any_float()) {
            let text = serde_json::to_string(&term).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Term = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            if exact_float_text() {
                prop_assert_eq!(back, term);
            } else {
                prop_assert!(nearly_same(&back, &term), "{:?} != {:?}", back, term);
            }
        }

        #[test]
        fn plain_json_never_fails(term in arbitrary::term_any_float()) {
            let _ = serde_json::to_string(&term.to_plain_json());
        }
    }
}
