//! Tests of the sandbox workers on a real runtime, one file per subject:
//! the shared harness, what every kind accepts, each worker kind, and the
//! ready scenarios.

mod harness;

mod cascade;
mod catalog;
mod event;
mod load;
mod resource;
mod scenarios;
mod stateful;
