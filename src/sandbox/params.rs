//! Parameter checking for sandbox workers: typed, ranged reads from a
//! worker's JSON `params`, each failure a [`SandboxError`] naming the
//! parameter, and unknown parameters rejected so that typos are caught.

use super::SandboxError;
use crate::term::{parse, Term};
use serde_json::{Map, Value};

/// A worker's parameters being read.
pub struct Params<'a> {
    kind: &'static str,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Params<'a> {
    /// Reads `params` (an object, or `null` for none) for a worker of
    /// `kind` that knows the parameters `known`.
    pub fn new(kind: &'static str, params: &'a Value, known: &[&str]) -> Result<Params<'a>, SandboxError> {
        let map = match params {
            Value::Null => None,
            Value::Object(m) => Some(m),
            _ => {
                return Err(SandboxError::BadParam {
                    kind: kind.into(),
                    param: "params".into(),
                    message: "must be an object".into(),
                })
            }
        };
        let p = Params { kind, map };
        if let Some(m) = map {
            for k in m.keys() {
                if !known.contains(&k.as_str()) {
                    return Err(p.err(k, format!("unknown parameter (known: {})", known.join(", "))));
                }
            }
        }
        Ok(p)
    }

    /// An error about the parameter `param`.
    pub fn err(&self, param: &str, message: impl Into<String>) -> SandboxError {
        SandboxError::BadParam { kind: self.kind.into(), param: param.into(), message: message.into() }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    /// Whether the parameter is given (and not `null`).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A whole number in `min..=max`, or `default` when absent.
    pub fn u64(&self, key: &str, default: u64, min: u64, max: u64) -> Result<u64, SandboxError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(self.err(key, format!("must be a whole number from {min} to {max}"))),
            },
        }
    }

    /// A boolean, or `default` when absent.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool, SandboxError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.err(key, "must be true or false")),
        }
    }

    /// One of `options`, or `default` when absent.
    pub fn choice(
        &self,
        key: &str,
        default: &'static str,
        options: &[&'static str],
    ) -> Result<&'static str, SandboxError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::String(s)) => options
                .iter()
                .copied()
                .find(|o| *o == s)
                .ok_or_else(|| self.err(key, format!("{s:?} is not one of {}", options.join(", ")))),
            Some(_) => Err(self.err(key, format!("must be one of {}", options.join(", ")))),
        }
    }

    /// A non-empty string of at most 255 characters, if given.
    pub fn name(&self, key: &str) -> Result<Option<String>, SandboxError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 255 => Ok(Some(s.clone())),
            Some(_) => Err(self.err(key, "must be a non-empty string of at most 255 characters")),
        }
    }

    /// A list of names (at most `max`).
    pub fn names(&self, key: &str, max: usize) -> Result<Vec<String>, SandboxError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() <= max => items
                .iter()
                .map(|v| match v {
                    Value::String(s) if !s.is_empty() && s.chars().count() <= 255 => Ok(s.clone()),
                    _ => Err(self.err(key, "every entry must be a non-empty string")),
                })
                .collect(),
            Some(_) => Err(self.err(key, format!("must be a list of at most {max} names"))),
        }
    }

    /// A term, if given: a JSON integer, `true`/`false`, or a string of
    /// Elixir term syntax (`":boom"`, `"{:error, :x}"`, `"\"text\""`).
    pub fn term(&self, key: &str) -> Result<Option<Term>, SandboxError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => term_of(v).map(Some).map_err(|m| self.err(key, m)),
        }
    }

    /// A list of terms (at most `max`), each as for [`Params::term`].
    pub fn terms(&self, key: &str, max: usize) -> Result<Vec<Term>, SandboxError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() <= max => items
                .iter()
                .enumerate()
                .map(|(i, v)| term_of(v).map_err(|m| self.err(key, format!("entry {i}: {m}"))))
                .collect(),
            Some(_) => Err(self.err(key, format!("must be a list of at most {max} terms"))),
        }
    }

    /// An object whose values are lists of names, as `{"topic": ["a"]}`.
    pub fn name_lists(&self, key: &str, max: usize) -> Result<Vec<(String, Vec<String>)>, SandboxError> {
        let Some(v) = self.get(key) else {
            return Ok(Vec::new());
        };
        let Value::Object(m) = v else {
            return Err(self.err(key, "must be an object of lists of names"));
        };
        if m.len() > max {
            return Err(self.err(key, format!("at most {max} entries")));
        }
        let mut out = Vec::new();
        for (k, v) in m {
            let names = match v {
                Value::Array(items) if items.len() <= max => items
                    .iter()
                    .map(|x| match x {
                        Value::String(s) if !s.is_empty() && s.chars().count() <= 255 => Ok(s.clone()),
                        _ => Err(self.err(key, format!("{k:?}: every entry must be a non-empty string"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => return Err(self.err(key, format!("{k:?}: must be a list of names"))),
            };
            out.push((k.clone(), names));
        }
        Ok(out)
    }
}

/// A JSON value as a term: integers, booleans, or Elixir term text.
fn term_of(v: &Value) -> Result<Term, String> {
    match v {
        Value::Number(n) => n.as_i64().map(Term::Int).ok_or_else(|| "numbers must be whole".to_string()),
        Value::Bool(b) => Ok(Term::bool(*b)),
        Value::String(s) => parse(s).map_err(|e| format!("{s:?} is not an Elixir term: {e}")),
        _ => Err("must be an integer, a boolean or a string of Elixir term syntax".into()),
    }
}
