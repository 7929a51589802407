//! The handlers of `/modules`: the Elixir modules a system has loaded
//! (LANGUAGE.md), and loading or hot-loading more (a logged input, so a
//! recording replays it).

use crate::api::error::{ok, ApiResult};
use crate::api::request::Request;
use crate::system::System;
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /modules`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceBody {
    source: String,
}

impl SourceBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["source"],"properties":{
            "source":{"type":"string","description":"one or more `defmodule … end` blocks"}}})
    }
}

fn listing(sys: &System) -> Value {
    let modules: Vec<Value> = sys
        .modules()
        .into_iter()
        .map(|(name, version, gen_server)| json!({ "name": name, "version": version, "gen_server": gen_server }))
        .collect();
    json!({ "modules": modules })
}

/// `GET /modules`: every loaded module with its version.
pub(crate) fn list(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(listing(sys))
}

/// `POST /modules`: loads the modules in `source`; a module already loaded
/// is hot-loaded (running servers move to the new version at their next
/// call from outside, with `code_change/3`; LANGUAGE.md). A compile error
/// is a 400 with its line and column, and loads nothing.
pub(crate) fn load(sys: &mut System, req: &Request) -> ApiResult {
    let b: SourceBody = req.body()?;
    let loaded = sys.load_modules(&b.source)?;
    let names: Vec<String> = loaded.as_list().unwrap_or_default().iter().map(|t| t.to_string()).collect();
    let mut v = listing(sys);
    v["loaded"] = json!(names);
    ok(v)
}
