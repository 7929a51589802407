//! The OpenAPI 3 document of the API, built from the route table
//! ([`ROUTES`]) that the router reads too, so a route cannot go
//! undocumented; a test checks every documented route against the router.

use crate::api::error::{ok, ApiResult};
use crate::api::request::Request;
use crate::api::routes::{RouteSpec, ROUTES};
use crate::api::Route;
use crate::system::System;
use serde_json::{json, Map, Value};

/// The documentation of a route: its row of the route table.
pub fn doc(r: Route) -> &'static RouteSpec {
    r.spec()
}

/// `GET /openapi.json`: this document.
pub(crate) fn serve(_sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(document())
}

/// The OpenAPI 3 document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for d in &ROUTES {
        let r = d.route;
        let mut params: Vec<Value> = Vec::new();
        for seg in d.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"},
                    "description": if name == "id" { "a number" } else { "0.N.0, a registered name, or a tree id or path" }}));
            }
        }
        for (name, desc) in d.query {
            params.push(json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": desc}));
        }
        let mut op = json!({
            "operationId": format!("{r:?}"),
            "summary": d.summary,
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "405": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
                "502": {"$ref": "#/components/responses/Error"},
                "504": {"$ref": "#/components/responses/Error"}
            }
        });
        if let (Some(b), Some(o)) = (d.body, op.as_object_mut()) {
            o.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": b()}}}));
        }
        let entry = paths.entry(format!("/api/v1{}", d.path)).or_insert_with(|| json!({}));
        if let Some(e) = entry.as_object_mut() {
            e.insert(d.method.to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "otpsim control API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The Control API of otpsim over a live simulated OTP system. Errors are {\"error\": {\"code\", \"message\"}}."},
        "paths": Value::Object(paths),
        "components": {"responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {
            "type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "line": {"type": "integer"}, "col": {"type": "integer"}}}}}}}}}}
    })
}
